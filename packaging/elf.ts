// The Debian architecture an ELF file (a native module's .node) was built for, from its header:
// EI_CLASS (32/64-bit), EI_DATA (byte order), e_machine, and for 32-bit ARM the hard-float flag
// that separates armhf from armel.
//   debianArchitectureOfElf('/usr/lib/…/bindings.node')  // 'arm64'
import { closeSync, openSync, readSync } from 'node:fs';

const EM_386 = 3;
const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

export function debianArchitectureOfElf(path: string): string {
  const header = Buffer.alloc(52);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1', 0, 4) !== '\x7fELF') return 'not ELF';
  const is64 = header[4] === 2;
  const little = header[5] === 1;
  const machine = little ? header.readUInt16LE(18) : header.readUInt16BE(18);
  if (machine === EM_X86_64 && is64) return 'amd64';
  if (machine === EM_AARCH64 && is64) return 'arm64';
  if (machine === EM_386 && !is64) return 'i386';
  if (machine === EM_ARM && !is64) return (header.readUInt32LE(36) & EF_ARM_ABI_FLOAT_HARD) !== 0 ? 'armhf' : 'armel';
  return `e_machine ${machine}`;
}
