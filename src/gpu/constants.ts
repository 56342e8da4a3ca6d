// Sizes the TypeScript side shares with the WGSL programs (each program states its own tiling).
/** WG_SIZE in reduce.wgsl: invocations per workgroup of every 1-D kernel. */
export const WG = 256;
