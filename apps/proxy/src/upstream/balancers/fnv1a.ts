/** 32-bit FNV-1a over UTF-16 code units: tiny, fast, and well spread for short keys such as IP addresses. */
export function fnv1a32(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (from murmur3's fmix32): FNV alone clusters similar short keys such as 10.0.0.1 / 10.0.0.2.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
