# Install rules and the Debian package (CPack, DEB generator) of the three binaries and the bundled
# policies. scripts/package-deb.sh builds Release and writes build/agentguard_<version>_<arch>.deb;
# tests/package/deb_install_test.sh installs it on a fresh bookworm.
include(GNUInstallDirs)

# The binaries: agentguard-webhook and agentguard-operator exist only when their sources and the
# Kubernetes client are built; scripts/package-deb.sh refuses a package without all three.
foreach(binary agentguard agentguard-webhook agentguard-operator agentguard-gate)
  if(TARGET ${binary})
    install(TARGETS ${binary} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# policies/<name>/policy.yaml -> /usr/share/agentguard/policies/<name>.yaml: one directory that
# `agentguard check --policies` and the webhook's --policies take as it is (the cases stay in the tree).
file(GLOB AGENTGUARD_POLICY_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/policies/*/policy.yaml)
foreach(policy ${AGENTGUARD_POLICY_FILES})
  get_filename_component(policy_dir ${policy} DIRECTORY)
  get_filename_component(policy_name ${policy_dir} NAME)
  install(FILES ${policy} DESTINATION ${CMAKE_INSTALL_DATADIR}/agentguard/policies RENAME ${policy_name}.yaml)
endforeach()

set(AGENTGUARD_DEB_MAINTAINER "agentguard maintainers <maintainers@agentguard.invalid>"
    CACHE STRING "Maintainer field of the Debian package (\"Name <email>\")")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME agentguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR agentguard)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Kubernetes admission guard for AI agent workloads")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Kubernetes admission guard for AI agent workloads\n"
    "agentguard checks Kubernetes objects against security policies written for AI agent\n"
    "workloads (privilege, credentials, network isolation, exposure, supply chain).\n"
    "This package holds agentguard, the offline checker for CI pipelines and agents;\n"
    "agentguard-webhook, the validating admission webhook; agentguard-operator, the\n"
    "AgentSandbox operator; and the bundled policies in /usr/share/agentguard/policies.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AGENTGUARD_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed by dpkg-shlibdeps from the binaries' shared libraries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# agentguard_<version>_<arch>.deb (no Debian revision is set, so none appears in the name).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
