/** A small seeded PRNG, so a stress run's operation sequences can be replayed from its seed. */

/** mulberry32: 32-bit state, uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

/** A seed for thread `thread` of history `history` of a run seeded with `seed`. */
export function deriveSeed(seed: number, history: number, thread: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(history + 1, 0xc2b2ae35) + Math.imul(thread + 1, 0x27d4eb2f)) >>> 0;
}
