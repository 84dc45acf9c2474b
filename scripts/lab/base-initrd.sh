#!/usr/bin/env bash
# Boot lab: a modules-only base initrd for the kernel kernel.sh prepares.
#
#   scripts/lab/base-initrd.sh
#
# The generated overlay brings /init and a static busybox; the base initrd a release ships needs
# only the kernel modules /init loads, with their dependencies and the depmod index files that
# busybox modprobe reads from /lib/modules/$(uname -r). newc cpio + gzip, reproducible (sorted
# names, mtime 0, uid/gid 0, gzip -n), cached by content: the key hashes this script, the kernel
# ABI, the module list and every module file that goes in.
#
# With AFSBOOT_LAB_CLIENT=openafs, the image is for cells whose client is OpenAFS instead: no kAFS,
# but openafs.ko (openafs-module.sh builds it) in lib/modules/KVER/extra, and the host's afsd
# (openafs-client, the module's version) in /sbin with the shared libraries it loads, at the
# paths the dynamic loader searches (it runs from the initramfs; /init starts it).
#
# Both images also carry the host identity tools (issue #18), at the host's paths, with every
# shared library ldd names at its own path (no ld.so.cache: the loader's default directories) and
# each checked inside the image with the image's own loader:
#   /usr/bin/tpm2 and its tpm2_* links (tpm2-tools 5.4: one binary, the command picked by the
#     name it is called by), the TSS libraries, and libtss2-tcti-device.so.0, which libtss2-tctildr
#     dlopen()s by name (ldd does not list it): TPM2TOOLS_TCTI=device:/dev/tpmrm0
#   /usr/bin/openssl (the secrets bundle: dgst -sha256 -mac HMAC, enc -d -aes-256-cbc)
#   /usr/bin/kinit, /usr/bin/klist (MIT Kerberos; /etc/krb5.conf is /init's to write)
#   kAFS: /usr/bin/aklog-kafs (kafs-client); OpenAFS: /usr/bin/aklog (openafs-krb5)
# The TPM drivers QEMU's tpm-tis (and tpm-crb) devices need are built into Debian's kernel
# (CONFIG_TCG_TIS=y, CONFIG_TCG_CRB=y): no module.
#
# Environment:
#   AFSBOOT_LAB_CACHE    cache dir (default /var/cache/afsboot-lab)
#   AFSBOOT_LAB_KVER     kernel ABI (default: kernel.sh's)
#   AFSBOOT_LAB_CLIENT   kafs (default) or openafs
#   AFSBOOT_LAB_MODULES  modules to include (default below), each with its dependencies
#
# Prints on stdout, one KEY=VALUE a line (logs go to stderr): kernel.sh's lines, then
#   AFSBOOT_LAB_BASE_INITRD (the image), AFSBOOT_LAB_BASE_SHA256, AFSBOOT_LAB_BASE_MODULES
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${AFSBOOT_LAB_CACHE:-/var/cache/afsboot-lab}
CLIENT=${AFSBOOT_LAB_CLIENT:-kafs}
# NICs QEMU offers (virtio-net-pci, e1000, e1000e); for kAFS the in-kernel AFS client and rxrpc,
# and fcrypt and pcbc, which rxrpc's rxkad asks for through request_module at run time (not in
# modules.dep). kafs and openafs.ko both register the "afs" file system: one or the other.
# efivarfs: /init reads the firmware's SecureBoot variable through it (a module in Debian's kernel).
# af_alg and algif_hash: aklog-kafs derives the rxkad session key (rxkad-kdf, HMAC-MD5) through the
# kernel's crypto API (an AF_ALG socket, "hash" type), both modules in Debian's kernel.
NICS="virtio_pci virtio_net e1000 e1000e"
case $CLIENT in
  kafs) MODULES=${AFSBOOT_LAB_MODULES:-$NICS efivarfs kafs rxrpc fcrypt pcbc af_alg algif_hash} ;;
  openafs) MODULES=${AFSBOOT_LAB_MODULES:-$NICS efivarfs} ;;
  *) echo "base-initrd.sh: error: AFSBOOT_LAB_CLIENT=$CLIENT: kafs or openafs" >&2; exit 1 ;;
esac

log() { echo "base-initrd.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

if [ "$CLIENT" = openafs ]; then
  for m in kafs rxrpc; do
    case " $MODULES " in *" $m "*) die "AFSBOOT_LAB_MODULES names $m, but the OpenAFS image carries openafs.ko: both register the afs file system" ;; esac
  done
fi
for c in cpio gzip modprobe depmod sha256sum flock ldd; do
  command -v "$c" >/dev/null || die "$c is missing (apt-get install -y cpio gzip kmod coreutils util-linux)"
done

kernel_env=$("$HERE/kernel.sh")
KO=
if [ "$CLIENT" = openafs ]; then
  oafs_env=$("$HERE/openafs-module.sh")
  KO=$(sed -n 's/^AFSBOOT_LAB_OPENAFS_KO=//p' <<<"$oafs_env")
  [ -s "$KO" ] || die "openafs-module.sh gave no module"
  AFSD=/usr/sbin/afsd
  [ -x "$AFSD" ] || die "no $AFSD (apt-get install openafs-client)"
  # afsd and the libraries the loader resolves for it here (the same Debian release as the kernel)
  mapfile -t BINS < <(
    echo "$AFSD"
    ldd "$AFSD" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  )
  [ "${#BINS[@]}" -gt 2 ] || die "ldd $AFSD found no libraries"
fi
# the identity tools (see above): the executables, then the TCTI library tctildr dlopen()s
ID_BINS=(/usr/bin/tpm2 /usr/bin/openssl /usr/bin/kinit /usr/bin/klist)
if [ "$CLIENT" = openafs ]; then ID_BINS+=(/usr/bin/aklog); else ID_BINS+=(/usr/bin/aklog-kafs); fi
ID_DLOPEN=(/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0)
for f in "${ID_BINS[@]}" "${ID_DLOPEN[@]}"; do
  [ -e "$f" ] || die "no $f (apt-get install -y tpm2-tools libtss2-tcti-device0 openssl krb5-user kafs-client openafs-krb5)"
done
# the tpm2_* commands: links to tpm2 in the same directory
mapfile -t TPM2_LINKS < <(find /usr/bin -maxdepth 1 -type l -name 'tpm2_*' -lname tpm2 -printf '%f\n' | LC_ALL=C sort)
[ "${#TPM2_LINKS[@]}" -gt 50 ] || die "/usr/bin has ${#TPM2_LINKS[@]} tpm2_* links to tpm2 (tpm2-tools 5.x has about 100)"
for t in tpm2_createek tpm2_createak tpm2_evictcontrol tpm2_readpublic tpm2_flushcontext tpm2_startauthsession tpm2_policysecret tpm2_activatecredential; do
  [ -L "/usr/bin/$t" ] || die "/usr/bin/$t is not a link to tpm2"
done
# every library each of them loads, as ldd resolves it here (the same Debian release as the kernel)
mapfile -t ID_LIBS < <(
  for f in "${ID_BINS[@]}" "${ID_DLOPEN[@]}"; do
    ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  done | LC_ALL=C sort -u
)
[ "${#ID_LIBS[@]}" -gt 5 ] || die "ldd found no libraries for the identity tools"
KVER=$(sed -n 's/^AFSBOOT_LAB_KVER=//p' <<<"$kernel_env")
KROOT=$(sed -n 's/^AFSBOOT_LAB_KROOT=//p' <<<"$kernel_env")
MD=$(sed -n 's/^AFSBOOT_LAB_MODULES_DIR=//p' <<<"$kernel_env")
if [ -z "$KVER" ] || [ ! -d "$MD" ]; then die "kernel.sh gave no kernel ABI or modules dir"; fi
# the image keeps the layout busybox modprobe expects, whatever the package used
REL_MD=lib/modules/$KVER

# Resolve every module through kmod against the unpacked tree: dependencies from modules.dep,
# aliases (crypto-pcbc) from modules.alias, soft dependencies from modules.softdep. Built-in ones
# (af_packet, ...) need nothing.
declare -A files=()
for m in $MODULES; do
  [[ $m =~ ^[A-Za-z0-9_-]+$ ]] || die "bad module name: $m"
  deps=$(modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>&1) || die "module $m: $deps"
  while read -r kind path _; do
    case $kind in
      insmod) files[${path#"$MD"/}]=1 ;;
      builtin) ;;
      *) die "module $m: unexpected modprobe output: $kind $path" ;;
    esac
  done <<<"$deps"
done
mapfile -t rels < <(printf '%s\n' "${!files[@]}" | sort)
for r in "${rels[@]}"; do [ -f "$MD/$r" ] || die "modprobe named $r, which is not under $MD"; done

# index files copied from the full tree; depmod regenerates the rest for the subset
INDEX=(modules.order modules.builtin modules.builtin.modinfo)
key=$(
  {
    echo "recipe $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
    echo "kver $KVER"
    echo "modules $MODULES"
    (cd "$MD" && sha256sum -- "${rels[@]}" "${INDEX[@]}")
    if [ -n "$KO" ]; then sha256sum "$KO" "${BINS[@]}"; fi
    sha256sum "${ID_BINS[@]}" "${ID_DLOPEN[@]}" "${ID_LIBS[@]}"
    echo "tpm2 links ${TPM2_LINKS[*]}"
  } | sha256sum | cut -c1-16
)
OUT_DIR=$CACHE/base/$key
if [ "$CLIENT" = openafs ]; then OUT=$OUT_DIR/initrd-$KVER-openafs.img; else OUT=$OUT_DIR/initrd-$KVER-modules.img; fi
names=$(printf '%s\n' "${rels[@]}" | sed 's#.*/##; s/\.ko.*$//' | tr '\n' ' ')${KO:+openafs}

print_paths() {
  printf '%s\n' "$kernel_env"
  printf 'AFSBOOT_LAB_BASE_INITRD=%s\n' "$OUT"
  printf 'AFSBOOT_LAB_BASE_SHA256=%s\n' "$(cut -d' ' -f1 "$OUT.sha256")"
  printf 'AFSBOOT_LAB_BASE_MODULES=%s\n' "${names% }"
}

cache_complete() { [ -s "$OUT" ] && [ -s "$OUT.sha256" ]; }
# shellcheck source=SCRIPTDIR/cache-lib.sh
. "$HERE/cache-lib.sh"
cached_or_lock "$CACHE/base/.lock" "$OUT"

t0=$(date +%s%N)
rm -rf "$CACHE/base/.tmp".* # left by a run that was killed (we hold the lock)
TMP=$(mktemp -d "$CACHE/base/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
R=$TMP/root
mkdir -p "$R/$REL_MD"
for r in "${rels[@]}"; do
  mkdir -p "$R/$REL_MD/$(dirname "$r")"
  cp "$MD/$r" "$R/$REL_MD/$r"
done
for f in "${INDEX[@]}"; do cp "$MD/$f" "$R/$REL_MD/"; done
if [ -n "$KO" ]; then
  mkdir -p "$R/$REL_MD/extra"
  cp "$KO" "$R/$REL_MD/extra/openafs.ko"
  mkdir -p "$R/sbin"
  cp "$AFSD" "$R/sbin/afsd"
  for f in "${BINS[@]:1}"; do # the loader and libraries at their own paths (/lib64, /lib/<triplet>)
    mkdir -p "$R$(dirname "$f")"
    cp -L "$f" "$R$f"
  done
  # every library afsd needs resolves inside the image (the loader's default paths, no ld.so.cache)
  loader=$(printf '%s\n' "${BINS[@]}" | grep '/ld-linux' | head -n 1)
  [ -n "$loader" ] || die "ldd named no dynamic loader for $AFSD"
  libs=$(chroot "$R" "$loader" --list /sbin/afsd 2>&1) || die "afsd does not load in the image: $libs"
  if grep -qi 'not found' <<<"$libs"; then die "afsd in the image misses: $(grep -i 'not found' <<<"$libs")"; fi
fi
# the identity tools at the host's paths, their libraries at theirs (an afsd library already there
# is the same file)
for f in "${ID_BINS[@]}" "${ID_DLOPEN[@]}" "${ID_LIBS[@]}"; do
  mkdir -p "$R$(dirname "$f")"
  cp -L "$f" "$R$f"
done
for t in "${TPM2_LINKS[@]}"; do ln -s tpm2 "$R/usr/bin/$t"; done
# each resolves every library inside the image with the image's loader (no ld.so.cache there);
# the dlopen()ed TCTI too, and the commands run
loader=$(printf '%s\n' "${ID_LIBS[@]}" | grep '/ld-linux' | head -n 1)
[ -n "$loader" ] || die "ldd named no dynamic loader for the identity tools"
for f in "${ID_BINS[@]}" "${ID_DLOPEN[@]}"; do
  libs=$(chroot "$R" "$loader" --list "$f" 2>&1) || die "$f does not load in the image: $libs"
  if grep -qi 'not found' <<<"$libs"; then die "$f in the image misses: $(grep -i 'not found' <<<"$libs")"; fi
done
for cmd in "/usr/bin/openssl version" "/usr/bin/tpm2_createek --version" "/usr/bin/klist -V"; do
  # shellcheck disable=SC2086 # the command and its arguments
  out=$(chroot "$R" $cmd 2>&1) || die "$cmd does not run in the image: $out"
done
log "identity tools in the image: ${ID_BINS[*]#/usr/bin/} + ${#TPM2_LINKS[@]} tpm2_* links, $(printf '%s\n' "${ID_LIBS[@]}" | wc -l) libraries, $(chroot "$R" /usr/bin/openssl version)"
depmod -b "$R" "$KVER"
[ -s "$R/$REL_MD/modules.dep" ] || die "depmod wrote no modules.dep"
if [ -n "$KO" ]; then
  grep -q '^extra/openafs.ko:' "$R/$REL_MD/modules.dep" || die "depmod did not index extra/openafs.ko"
fi

# reproducible archive: same inputs, same bytes
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
  cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -9 >"$TMP/initrd.img"
(cd "$TMP" && sha256sum initrd.img | cut -d' ' -f1) >"$TMP/initrd.img.sha256"

mkdir -p "$OUT_DIR"
mv "$TMP/initrd.img.sha256" "$OUT.sha256.tmp"
mv "$TMP/initrd.img" "$OUT"
mv "$OUT.sha256.tmp" "$OUT.sha256" # last: its presence marks the image complete
log "built $OUT: $(stat -c %s "$OUT") bytes, ${#rels[@]} modules${KO:+ + openafs.ko and afsd} ($((($(date +%s%N) - t0) / 1000000)) ms)"
print_paths
