#!/usr/bin/env bash
# Installs what the console needs, only when it is missing or stale:
#   npm packages (npm ci when package-lock.json changed since the last install), and with --test
#   the Debian packages the test suite drives (chromium for Playwright, postgresql for the
#   PostgreSQL run of the integration tests, the DHCP daemons that validate generated configs, a
#   linter for shell (shellcheck), grub-script-check (grub-common) for the GRUB configs, cpio and busybox-static for the initrd, QEMU, kmod, the OpenAFS
#   servers, mmdebstrap and the IPMI BMC simulator (openipmi, ipmitool) for the boot lab, swtpm,
#   tpm2-tools, openssl, MIT Kerberos (KDC, kadmin, kinit) and the AFS token tools for host
#   identity and secrets; no service is started by the install).
# Safe to run again and again; the start and test commands call it.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if (( node_major < 20 )); then
  echo "AFSBoot needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

apt_missing=()
if (( want_test )); then
  command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_missing+=(postgresql)
  # the real DHCP daemons validate generated configs; shellcheck and cpio check generated initrds
  [[ -x /usr/sbin/dhcpd ]] || apt_missing+=(isc-dhcp-server)
  [[ -x /usr/sbin/kea-dhcp4 ]] || apt_missing+=(kea-dhcp4-server)
  [[ -x /usr/sbin/dnsmasq ]] || apt_missing+=(dnsmasq-base)
  command -v shellcheck >/dev/null 2>&1 || apt_missing+=(shellcheck)
  # GRUB's own syntax check reads the generated GRUB configs (Secure Boot hosts)
  [[ -x /usr/bin/grub-script-check ]] || apt_missing+=(grub-common)
  command -v cpio >/dev/null 2>&1 || apt_missing+=(cpio)
  [[ -x /bin/busybox ]] || apt_missing+=(busybox-static)
  command -v ip >/dev/null 2>&1 || apt_missing+=(iproute2)
  # publications are delivered to boot servers by rsync (over ssh to remote ones)
  [[ -x /usr/bin/rsync ]] || apt_missing+=(rsync)
  command -v ssh >/dev/null 2>&1 || apt_missing+=(openssh-client)
  # the boot lab (scripts/lab): QEMU with iPXE ROMs, kmod for the base initrd, an OpenAFS cell
  # (servers and the vos/bos/restorevol tools); nothing of it runs on the host network
  command -v qemu-system-x86_64 >/dev/null 2>&1 || apt_missing+=(qemu-system-x86)
  [[ -e /usr/lib/ipxe/qemu/pxe-virtio.rom ]] || apt_missing+=(ipxe-qemu)
  command -v depmod >/dev/null 2>&1 || apt_missing+=(kmod)
  [[ -x /usr/sbin/bosserver ]] || apt_missing+=(openafs-fileserver)
  [[ -x /usr/lib/openafs/vlserver ]] || apt_missing+=(openafs-dbserver)
  command -v restorevol >/dev/null 2>&1 || apt_missing+=(openafs-client)
  # power control: the ipmi driver's tests and the lab's BMCs (OpenIPMI's ipmi_sim, ipmitool)
  command -v ipmi_sim >/dev/null 2>&1 || apt_missing+=(openipmi)
  command -v ipmitool >/dev/null 2>&1 || apt_missing+=(ipmitool)
  # the Debian release tree with systemd the lab boots (scripts/lab/debian-tree.sh)
  command -v mmdebstrap >/dev/null 2>&1 || apt_missing+=(mmdebstrap)
  # host identity and secrets: a software TPM per lab host and the TPM tools (the identity tests,
  # the initrd's tpm2-tools), openssl for the initrd's bundle decryption, a real MIT Kerberos KDC
  # and kadmin (the keytab tests, the lab's realm), kinit and the AFS token tools of both clients
  command -v swtpm >/dev/null 2>&1 || apt_missing+=(swtpm)
  command -v swtpm_setup >/dev/null 2>&1 || apt_missing+=(swtpm-tools)
  command -v tpm2_activatecredential >/dev/null 2>&1 || apt_missing+=(tpm2-tools)
  [[ -e /usr/lib/x86_64-linux-gnu/libtss2-tcti-swtpm.so.0 ]] || apt_missing+=(libtss2-tcti-swtpm0)
  command -v openssl >/dev/null 2>&1 || apt_missing+=(openssl)
  [[ -x /usr/sbin/krb5kdc ]] || apt_missing+=(krb5-kdc)
  [[ -x /usr/sbin/kadmind ]] || apt_missing+=(krb5-admin-server)
  command -v kinit >/dev/null 2>&1 || apt_missing+=(krb5-user)
  command -v aklog-kafs >/dev/null 2>&1 || apt_missing+=(kafs-client)
  command -v aklog >/dev/null 2>&1 || apt_missing+=(openafs-krb5)
fi
if (( ${#apt_missing[@]} )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${apt_missing[*]} (run: sudo apt-get install -y ${apt_missing[*]})" >&2
    exit 1
  fi
  echo "==> apt-get install ${apt_missing[*]}"
  apt-get update -qq
  # policy-rc.d 101: packages must not start services (postgresql's default cluster) on install
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [[ -e $policy ]] && had_policy=1
  (( had_policy )) || { printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
  (( had_policy )) || rm -f $policy
fi

# Playwright drives Debian's chromium; it must not try to download browsers of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.afsboot-lock-sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi
