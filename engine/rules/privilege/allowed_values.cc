#include "engine/rules/privilege/allowed_values.h"

#include <algorithm>

namespace agentguard::engine::privilege {

bool NameList::contains(std::string_view name) const {
  return std::any_of(names_.begin(), names_.end(), [name](const std::string& entry) { return entry == name; });
}

std::string NameList::joined() const {
  std::string text;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (i > 0) text += i + 1 == names_.size() ? " and " : ", ";
    text += names_[i];
  }
  return text;
}

const std::vector<std::string>& baselineCapabilities() {
  static const std::vector<std::string> names = {
      "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
      "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"};
  return names;
}

const std::vector<std::string>& restrictedCapabilities() {
  static const std::vector<std::string> names = {"NET_BIND_SERVICE"};
  return names;
}

const std::vector<std::string>& safeSysctls() {
  static const std::vector<std::string> names = {
      "kernel.shm_rmid_forced",        "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
      "net.ipv4.tcp_syncookies",       "net.ipv4.ping_group_range",    "net.ipv4.ip_local_reserved_ports",
      "net.ipv4.tcp_keepalive_time",   "net.ipv4.tcp_fin_timeout",     "net.ipv4.tcp_keepalive_intvl",
      "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",           "net.ipv4.tcp_wmem"};
  return names;
}

const std::vector<std::string>& restrictedVolumeTypes() {
  static const std::vector<std::string> names = {"configMap", "csi",       "downwardAPI", "emptyDir",
                                                 "ephemeral", "persistentVolumeClaim", "projected", "secret"};
  return names;
}

const NameList& allowedSeLinuxTypes() {
  static const NameList names({"container_t", "container_init_t", "container_kvm_t", "container_engine_t"});
  return names;
}

bool isConfiningProfileType(std::string_view type) { return type == "RuntimeDefault" || type == "Localhost"; }

}  // namespace agentguard::engine::privilege
