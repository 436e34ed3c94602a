/**
 * The thread registry: one entry per attached JobStore instance, saying who
 * it is and whether it is alive (its undo journal is journal.ts's). Taking
 * an entry, marking a thread dead and waking whoever sleeps on its locks,
 * telling whether a lock's owner is dead, and electing the one thread that
 * rolls a dead thread's journal back.
 */
import {
  H_DEATHS, R_COUNTS, R_LOG_LEN, R_OWNER, R_SLEEPING_ON, R_STATE, REG_ALIVE, REG_CLAIMING, REG_DEAD, REG_DETACHED, REG_ENTRIES,
  REG_FREE, REG_RECOVERED, REG_RECOVERING, REG_STATE_BITS, REG_STATE_MASK, REGISTRY,
} from './layout.js';
import { OWNER_DIED, SELF, SLEEP_COUNTED, SLEEPER, ownerOf } from './lock-word.js';
import type { Mem } from './memory.js';
import { RegistryFullError } from './errors.js';
import { rollback } from './journal.js';
import { fault } from './faults.js';

/** Byte offset of registry entry `k`. */
export function entryBase(m: Mem, k: number): number {
  return REGISTRY + k * m.g.regEntryBytes;
}

/**
 * Take a registry entry for this thread: a never-used one, else one whose
 * thread died and was recovered, one given back by detach(), or one whose
 * thread died (marked dead, never recovered because nobody came to one of
 * its locks, as when a thread dies holding none): that one is first rolled
 * back here, exactly as a waiter taking over its lock would (recoverOwner),
 * which leaves it recovered. So every entry of a dead thread serves again.
 *
 * A thread can be killed in here too. The claim is one CAS, and until the
 * entry is ALIVE it names this thread (as its owner, or inside the
 * CLAIMING state), so markDead finds it and makes it reusable; and it is
 * never ALIVE under its previous owner's id, which would make that dead
 * thread look alive to isDead and keep the locks it left from ever being
 * taken over.
 */
export function register(m: Mem): number {
  const i32 = m.i32;
  const claiming = REG_CLAIMING | (SELF << REG_STATE_BITS);
  for (const from of [REG_FREE, REG_RECOVERED, REG_DETACHED, REG_DEAD]) {
    for (let k = 0; k < REG_ENTRIES; k++) {
      const e = entryBase(m, k);
      const st = (e + R_STATE) >> 2;
      if (from === REG_FREE) {
        // A never-used entry is claimed on its owner word, 0 -> us: used
        // entries stay a prefix (isDead stops at the first owner 0).
        if (Atomics.compareExchange(i32, (e + R_OWNER) >> 2, 0, SELF) !== 0) continue;
      } else {
        if (Atomics.load(i32, st) !== from) continue;
        // Its locks may still be held by the dead thread: rolling back first
        // keeps recovery's rule (a dead thread's journal is undone before
        // anyone else writes what it guards). Those locks are taken over
        // later, by whoever needs them (isDead asks for a live entry, not a
        // dead one, so it does not matter that this entry is then ours).
        if (from === REG_DEAD) recoverOwner(m, Atomics.load(i32, (e + R_OWNER) >> 2));
        // A recycled one on its state word: its owner word is not unique to
        // it (a detached thread may take its own entry back).
        const was = from === REG_DEAD ? REG_RECOVERED : from;
        if (Atomics.compareExchange(i32, st, was, claiming) !== was) continue;
      }
      fault('registering');
      i32[(e + R_LOG_LEN) >> 2] = 0;
      Atomics.store(i32, (e + R_SLEEPING_ON) >> 2, 0);
      Atomics.store(i32, (e + R_OWNER) >> 2, SELF);
      // A recycled entry keeps its counters: counts are sums over all entries.
      Atomics.store(i32, st, REG_ALIVE);
      return e;
    }
  }
  throw new RegistryFullError(REG_ENTRIES);
}

/**
 * Mark every entry of thread `threadId` dead: its live ones, and any it
 * was killed in the middle of taking (register). Returns how many.
 */
export function markDead(m: Mem, threadId: number): number {
  const i32 = m.i32;
  const owner = threadId + 1;
  const claiming = REG_CLAIMING | (owner << REG_STATE_BITS);
  let n = 0;
  for (let k = 0; k < REG_ENTRIES; k++) {
    const e = entryBase(m, k);
    const st = (e + R_STATE) >> 2;
    const s = Atomics.load(i32, st);
    // Killed taking a recycled entry (CLAIMING by it) or a never-used one
    // (its owner id in place, still FREE); or a live entry of it.
    if (s === claiming) Atomics.store(i32, (e + R_OWNER) >> 2, owner);
    else if (Atomics.load(i32, (e + R_OWNER) >> 2) !== owner || (s !== REG_ALIVE && s !== REG_FREE)) continue;
    if (Atomics.compareExchange(i32, st, s, REG_DEAD) !== s) continue;
    n++;
    // Killed asleep on a lock, still counted among its sleepers: take it out.
    const slept = Atomics.exchange(i32, (e + R_SLEEPING_ON) >> 2, 0);
    if ((slept & SLEEP_COUNTED) !== 0) Atomics.sub(i32, (slept & ~SLEEP_COUNTED) + 2, SLEEPER);
  }
  if (n > 0) wakeSleepers(m, owner);
  return n;
}

/**
 * Wake, at once, the threads asleep on a lock that `owner` (just marked
 * dead) holds, rather than leave them to their next poll: bump the death
 * count, THEN read what every live thread sleeps on (the mirror image of
 * Acquirer.beforeSleep, which publishes first and reads the count after).
 * Woken, they see the count changed, ask isDead, and one of them recovers.
 * Both a lock's word (flagged first, see flagOwnerDied) and its HEIR word
 * (where a starving heir sleeps) are notified. Threads that start waiting
 * later see a non-zero count and ask isDead at their first look
 * (Acquirer's constructor).
 */
function wakeSleepers(m: Mem, owner: number): void {
  const i32 = m.i32;
  Atomics.add(i32, H_DEATHS >> 2, 1);
  for (let k = 0; k < REG_ENTRIES; k++) {
    const e = entryBase(m, k);
    if (Atomics.load(i32, (e + R_STATE) >> 2) !== REG_ALIVE) continue;
    const w = Atomics.load(i32, (e + R_SLEEPING_ON) >> 2) & ~SLEEP_COUNTED;
    if (w <= 0 || !flagOwnerDied(i32, w, owner)) continue;
    Atomics.notify(i32, w);
    Atomics.notify(i32, w + 1);
  }
}

/**
 * Set OWNER_DIED in the word at index `w` if `owner` still holds it; false
 * when it does not (a waiter took it over already: nothing to wake). Why,
 * before the notify: a sleeper publishes its lock and reads the death count
 * (Acquirer.beforeSleep), and only then calls Atomics.wait on the word's
 * value; our notify can land in between, and find nobody. The flag changes
 * the value, so that wait sees it changed and returns at once; a wait that
 * compared before our CAS was already in the wait list when the notify
 * (which follows the CAS) looked. Either way the sleeper looks at the word
 * again, sees the new death count, asks isDead and takes over. (A heir
 * sleeps on HEIR, which a death does not change: its window stays, ending
 * at its poll.) A CAS loop: sleepers may be adding SLEEPING meanwhile.
 */
function flagOwnerDied(i32: Int32Array, w: number, owner: number): boolean {
  for (;;) {
    const v = Atomics.load(i32, w);
    if (ownerOf(v) !== owner) return false;
    if ((v & OWNER_DIED) !== 0 || Atomics.compareExchange(i32, w, v, v | OWNER_DIED) === v) return true;
  }
}

/**
 * Whether the thread with this owner id is dead, as far as its locks go: no
 * registry entry of it is ALIVE. A store lock is only ever taken by a thread
 * inside a call on an attached instance whose entry is ALIVE (testing's
 * holdJobLock registers its thread too), and the entry stays ALIVE while
 * the thread may hold locks through it: detach() comes between calls, and
 * only markDead ends it otherwise. So a lock whose owner has no ALIVE entry
 * was left by a thread that died. Asking for a live entry rather than a dead
 * one matters once the dead thread's entries are reused (register): the lock
 * it left behind is still recognised (register writes the new owner id
 * before the entry becomes ALIVE). A thread that detached one instance and
 * works with another has an ALIVE entry, and keeps its locks.
 */
export function isDead(m: Mem, owner: number): boolean {
  for (let k = 0; k < REG_ENTRIES; k++) {
    const e = entryBase(m, k);
    const o = Atomics.load(m.i32, (e + R_OWNER) >> 2);
    // Entries are first claimed in order (register), so the used ones are a
    // prefix: past the first never-used entry there is nobody to find.
    if (o === 0) break;
    if (o === owner && Atomics.load(m.i32, (e + R_STATE) >> 2) === REG_ALIVE) return false;
  }
  return true;
}

/**
 * Roll back every journal of the dead owner, exactly once: a CAS of the
 * entry's state from DEAD to RECOVERING (with our owner id above the state
 * bits) elects one recoverer; others wait until RECOVERED. The dead thread
 * still owns the locks guarding everything its journal names (a lock of it
 * is taken over only after this returns), so no live thread is inside those
 * critical sections while we write.
 *
 * A recoverer can die too, half-way. Then its state word still names it,
 * and a waiter that finds it dead (isDead) takes the election over with a
 * CAS from that exact value and runs the rollback again: the dead owner's
 * locks are still not taken over, so nobody has written what it guards in
 * between, and rollback can be run again from the start (see rollback).
 */
export function recoverOwner(m: Mem, owner: number): void {
  const i32 = m.i32;
  const mine = REG_RECOVERING | (SELF << REG_STATE_BITS);
  for (let k = 0; k < REG_ENTRIES; k++) {
    const e = entryBase(m, k);
    if (Atomics.load(i32, (e + R_OWNER) >> 2) !== owner) continue;
    const st = (e + R_STATE) >> 2;
    for (let s = Atomics.load(i32, st); ; s = Atomics.load(i32, st)) {
      const recovering = (s & REG_STATE_MASK) === REG_RECOVERING;
      if (s === REG_DEAD || (recovering && isDead(m, s >>> REG_STATE_BITS))) {
        if (Atomics.compareExchange(i32, st, s, mine) !== s) continue;
        rollback(m, e);
        Atomics.store(i32, st, REG_RECOVERED);
        Atomics.notify(i32, st);
        break;
      }
      if (!recovering) break;
      Atomics.wait(i32, st, s, 10);
    }
  }
}

/** Sum of status `code`'s counter over all registry entries. */
export function countOf(m: Mem, code: number): number {
  let n = 0;
  for (let k = 0; k < REG_ENTRIES; k++) n += Atomics.load(m.i32, (entryBase(m, k) + R_COUNTS + code * 4) >> 2);
  return n;
}
