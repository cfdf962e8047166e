#!/usr/bin/env python3
"""Verifies every record of a decision log with securesystemslib's DSSE implementation, an
independent verifier: python3 sslib_verify.py LOG TRUST_PEM. Exit 0 when every envelope verifies,
1 when one does not, 77 when securesystemslib is not installed (ctest reports the test skipped)."""
import hashlib
import json
import sys

try:
    from cryptography.hazmat.primitives import serialization
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey
except ImportError:
    print("securesystemslib is not installed (pip install securesystemslib cryptography)")
    sys.exit(77)


def main(log_path, trust_path):
    with open(trust_path, "rb") as trust:
        public = serialization.load_pem_public_key(trust.read())
    # securesystemslib computes its own keyid; DSSE lets the verifier map keyids, so use ours.
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = SSlibKey.from_crypto(public, keyid=hashlib.sha256(der).hexdigest())
    count = 0
    with open(log_path, "rb") as log:
        for number, line in enumerate(log, 1):
            try:
                Envelope.from_dict(json.loads(line)).verify([key], 1)
            except Exception as error:  # securesystemslib raises VerificationError
                print(f"{log_path}:{number}: {error}")
                return 1
            count += 1
    print(f"{count} records verified by securesystemslib")
    return 0 if count > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
