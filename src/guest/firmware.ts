// Where Debian's ovmf package puts the UEFI firmware that bootmedic's VMs boot: the 4 MiB
// builds, as read-only code plus a variable-store template that each boot copies.

/** The plain build. */
export const OVMF_4M = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' } as const;

/**
 * Secure Boot: the SMM build that enforces it, and the variable-store template with
 * Microsoft's keys (PK, KEK, db with the Microsoft UEFI CA that signed shim).
 */
export const OVMF_SECURE_BOOT = { code: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' } as const;
