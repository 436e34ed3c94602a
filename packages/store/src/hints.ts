/**
 * Where this JobStore instance last found each id: a thread-local hint that
 * spares the hot calls (updateStatus, claim, get) the index walk. A hint is
 * never trusted: it holds the slot and the slot's generation (S_GEN) at the
 * time, and the caller confirms, under the job's lock or by the seqlock
 * read, that the slot's generation is still that one (no remove or create
 * happened in it since, so it holds the same job), and forgets the hint
 * otherwise.
 *
 * Two-way set-associative on the id's hash (which every call computes
 * anyway while checking the id): a fixed table, no allocation, no growth,
 * and a miss costs two array reads. With one way, two ids of a thread's
 * working set that share low hash bits kept evicting each other (900 ids in
 * 4,096 entries: a fifth of the calls missed); with two, a set must draw
 * three of them. (A Map would hash the string again inside V8, which for ids
 * never used as keys before costs more than the walk it saves.)
 */

/** Entries in the table, in sets of two: ids whose hashes agree in their low bits share a set. */
export const HINTS = 4096;
/** Mask giving the first entry of an id's set. */
const SET = HINTS - 2;

export class SlotHints {
  readonly #ids = new Array<string | undefined>(HINTS).fill(undefined);
  /**
   * Each entry's full hash, compared before the id: a different id in the
   * entry (the usual miss) is then told apart without reading that string,
   * which may sit anywhere in the heap (a cache miss of its own).
   */
  readonly #hashes = new Int32Array(HINTS);
  readonly #slots = new Int32Array(HINTS);
  readonly #gens = new Float64Array(HINTS);
  /** The slot's generation when the hint returned by the last `get` was remembered. */
  gen = 0;

  /** The entry holding `id` (of hash `hash`), or -1. */
  #find(id: string, hash: number): number {
    const k = hash & SET;
    if (this.#hashes[k] === hash && this.#ids[k] === id) return k;
    if (this.#hashes[k + 1] === hash && this.#ids[k + 1] === id) return k + 1;
    return -1;
  }

  /** The slot where `id` (of hash `hash`) was last seen, or -1; its generation then is in `gen`. */
  get(id: string, hash: number): number {
    const k = this.#find(id, hash);
    if (k < 0) return -1;
    this.gen = this.#gens[k] ?? 0;
    return this.#slots[k] ?? -1;
  }

  /**
   * Remember where `id` is. A new id goes into its set's first entry, and
   * what was there moves to the second (whose id is dropped): the set keeps
   * its two most recently remembered ids.
   */
  remember(id: string, hash: number, slot: number, gen: number): void {
    let k = this.#find(id, hash);
    if (k < 0) {
      k = hash & SET;
      this.#ids[k + 1] = this.#ids[k];
      this.#hashes[k + 1] = this.#hashes[k] ?? 0;
      this.#slots[k + 1] = this.#slots[k] ?? 0;
      this.#gens[k + 1] = this.#gens[k] ?? 0;
      this.#ids[k] = id;
      this.#hashes[k] = hash;
    }
    this.#slots[k] = slot;
    this.#gens[k] = gen;
  }

  forget(id: string, hash: number): void {
    const k = this.#find(id, hash);
    if (k >= 0) this.#ids[k] = undefined;
  }
}
