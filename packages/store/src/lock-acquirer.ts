/**
 * The waiter's side of the lock protocol (lock-core.ts): one attempt at a
 * contended lock, from the first look at the word to owning it, sleeping as
 * needed, becoming the heir when starving, taking over from a dead owner.
 */
import { fault } from './faults.js';
import {
  SELF, SELF_WORD, SLEEP_COUNTED, SLEEPER, SLEEPING, STARVE_MS, STARVING, WOKEN, ownerOf, type Robust,
} from './lock-word.js';

/** The word an acquirer in the slow path writes: ours, flagged SLEEPING if other threads are counted asleep. */
export function slowWord(i32: Int32Array, w: number): number {
  return Atomics.load(i32, w + 2) >= SLEEPER ? SELF_WORD | SLEEPING : SELF_WORD;
}

/**
 * One attempt at the lock, used by both the blocking and the async paths.
 * `step()` returns 0 once this thread owns the lock, -1 to look again at once,
 * or else the exact (non-zero) word value to sleep on.
 */
export class Acquirer {
  readonly start = performance.now();
  sleeps = 0;
  heir = false;
  /** Set when a sleep ran to its timeout, or a death was marked: time to ask whether the owner is still alive. */
  polled = false;
  /** The store's death count when we last looked (Robust.deaths). */
  private seenDeaths: number;

  constructor(
    private readonly i32: Int32Array,
    private readonly w: number,
    private readonly robust: Robust | undefined,
  ) {
    this.seenDeaths = robust?.deaths() ?? 0;
    // In a store where a thread has ever been marked dead, ask isDead at the
    // first look (a scan of the registry's used entries only): a lock whose
    // owner died before we came is taken over at once, not at our first poll.
    this.polled = this.seenDeaths !== 0;
  }

  step(): number {
    const { i32, w } = this;
    const v = Atomics.load(i32, w);
    if (v === 0) {
      // Keep SLEEPING when others are counted asleep: their wake-up must not
      // depend on a barger's unlock, which would take the fast path.
      if (Atomics.compareExchange(i32, w, 0, slowWord(i32, w)) !== 0) return -1;
      // Took it without a handoff: give up the heir registration so another
      // starving waiter can register. Nobody can have taken it from us: an
      // unlocker only takes HEIR while it holds the lock, and then writes our
      // id into the word instead of 0.
      if (this.heir) Atomics.compareExchange(i32, w + 1, SELF, 0);
      return 0;
    }
    if (ownerOf(v) === SELF) {
      // Only an unlocker's direct handoff writes our id into the word, and it
      // hands only to the registered heir (it cleared HEIR with an exchange first).
      return 0;
    }
    if (this.polled && this.robust !== undefined) {
      this.polled = false;
      if (this.robust.isDead(ownerOf(v))) return this.takeOver(v);
    }
    if (!this.heir && performance.now() - this.start >= STARVE_MS) {
      // Become the heir: at most one thread at a time. The compareExchange
      // makes the registration atomic; losing it just means someone else is
      // starving first (or an unlock is handing the lock over: its mark,
      // negative, is in HEIR) and we wait our turn.
      fault('starving');
      const h = Atomics.compareExchange(i32, w + 1, 0, SELF);
      if (h === 0) {
        // Registered. Look at the word again before flagging it: `v` was read
        // before, and may be the word of a holder whose unlock has since handed
        // the lock to the previous heir, STARVING flag and all; sleeping on
        // that flag would leave nobody to hand the lock to us. HEIR was 0, so
        // no handoff is under way now: the word we read next is the holder's.
        this.heir = true;
        return -1;
      }
      // An unlocker that died handing over leaves its mark: clear it, or no
      // waiter could ever register as heir on this lock again.
      if (h < 0 && this.robust?.isDead(-h) === true) Atomics.compareExchange(i32, w + 1, h, 0);
    }
    if (!this.heir && (v & SLEEPING) === 0) {
      // About to sleep on a held word: flag it so its unlock leaves the fast
      // path. The CAS only adds the bit to the value we saw; if the word
      // changed meanwhile we look again. Atomics.wait then sleeps only while
      // the word still holds exactly this flagged value.
      return Atomics.compareExchange(i32, w, v, v | SLEEPING) === v ? v | SLEEPING : -1;
    }
    if (this.heir && (v & STARVING) === 0) {
      // Flag the holder's word so its unlock leaves the fast path and hands
      // over. The CAS only adds a bit to the value we saw; if the word changed
      // meanwhile (released, taken by another) we look again.
      return Atomics.compareExchange(i32, w, v, v | STARVING) === v ? v | STARVING : -1;
    }
    return v;
  }

  /**
   * The owner died holding the lock. First the store rolls back what it was
   * doing (once per death, whoever gets here first; the others wait for that
   * inside recover()), then we take the word over with a CAS from the exact
   * dead-owned value we saw: if several waiters race here, one wins and the
   * rest see a live owner (the winner) and wait as usual. A dead heir's
   * registration is dropped so a live waiter can become heir.
   */
  private takeOver(v: number): number {
    const { i32, w, robust } = this;
    const dead = ownerOf(v);
    robust?.recover(dead);
    // Its registration as heir, or its mark if it died handing the lock over.
    Atomics.compareExchange(i32, w + 1, dead, 0);
    Atomics.compareExchange(i32, w + 1, -dead, 0);
    if (Atomics.compareExchange(i32, w, v, slowWord(i32, w)) !== v) return -1;
    if (this.heir) Atomics.compareExchange(i32, w + 1, SELF, 0);
    robust?.recovered();
    return 0;
  }

  /**
   * Sleep on `value` (blocking). The sleeper count goes up BEFORE Atomics.wait
   * re-reads the word: see release() for why that ordering closes the
   * lost-wakeup window.
   *
   * The heir sleeps elsewhere: on the HEIR word (heirWaitValue). The
   * unlocker that hands over first takes that registration with an exchange
   * and then notifies exactly that address, so exactly the heir wakes (no
   * thundering herd).
   */
  sleep(value: number, timeoutMs: number): void {
    const { i32, w } = this;
    if (!this.beforeSleep()) return;
    if (this.heir) {
      fault('sleeping');
      const r = Atomics.wait(i32, w + 1, this.heirWaitValue(), timeoutMs);
      if (r === 'ok') this.sleeps++;
      this.polled = r === 'timed-out';
    } else {
      // Counted from the add to the sub in awake(). A thread killed in
      // between (terminate() during the wait) never subtracts itself: the
      // mark published around the wait lets markDead do it instead, or
      // every contended unlock of this lock would go on taking the slow path
      // for a sleeper that is gone. (Killed in the instant between the add
      // and the mark, or the unmark and the sub, it still stays counted.)
      Atomics.add(i32, w + 2, SLEEPER);
      this.robust?.sleepingOn(w | SLEEP_COUNTED);
      fault('sleeping');
      const r = Atomics.wait(i32, w, value, timeoutMs);
      this.robust?.sleepingOn(w);
      this.awake(r);
    }
    this.afterSleep();
  }

  /**
   * What the heir sleeps on HEIR expecting: its own id while registered; the
   * unlocker's mark (negative) once an unlocker handing the lock to us has
   * taken the registration and not yet stored our word nor removed its mark
   * (releaseSlow). Waiting on our id then would return at once, again and
   * again, for as long as that unlocker is held up (preempted, say): a busy
   * loop. On the mark we sleep until the unlocker, its word stored, removes
   * the mark and notifies; a wait that begins after that sees HEIR changed
   * and returns at once, as does any wait once the handoff is done. (A mark
   * while we are heir can only be that of the unlock handing to us: only it
   * takes our registration.) An unlocker that dies holding its mark leaves
   * us asleep until the poll, which then finds it dead (takeOver).
   */
  heirWaitValue(): number {
    const h = Atomics.load(this.i32, this.w + 1);
    return h < 0 ? h : SELF;
  }

  /**
   * Before sleeping (robust locks): publish the lock we sleep on
   * (Robust.sleepingOn), THEN read the store's death count; false (do not
   * sleep: look at the word again, asking isDead) when a death was marked
   * since we last looked. markDead does the mirror image: it bumps the count,
   * THEN reads what every live thread sleeps on and notifies the sleepers of
   * a lock the dead thread owned. Both sides are seq_cst, so either our read
   * sees the new count, or its read sees our lock and it notifies. A notify
   * that lands before our Atomics.wait has begun is lost (the wait then
   * re-reads the word, which a death does not change): that narrow window
   * still ends at the next poll, as every sleep does.
   */
  private beforeSleep(): boolean {
    const r = this.robust;
    if (r === undefined) return true;
    r.sleepingOn(this.w);
    if (!this.deathMarked(r)) return true;
    r.sleepingOn(0);
    return false;
  }

  /** Awake again: withdraw what beforeSleep published, and look at the death count (a markDead may be what woke us). */
  private afterSleep(): void {
    const r = this.robust;
    if (r === undefined) return;
    r.sleepingOn(0);
    this.deathMarked(r);
  }

  /** Whether a death was marked since we last looked; if so, the next step asks isDead. */
  private deathMarked(r: Robust): boolean {
    const d = r.deaths();
    if (d === this.seenDeaths) return false;
    this.seenDeaths = d;
    this.polled = true;
    return true;
  }

  /**
   * Leave the sleeper count. A thread woken by a notify ('ok') also clears
   * WOKEN, so the next unlock may wake another.
   */
  awake(result: unknown): void {
    Atomics.sub(this.i32, this.w + 2, SLEEPER);
    if (result === 'ok') {
      Atomics.and(this.i32, this.w + 2, ~WOKEN);
      this.sleeps++;
    } else if (result === 'timed-out') {
      // Self-healing: a thread killed between being notified and clearing
      // WOKEN would leave it set, and no unlock would notify again. A sleeper
      // that ran to its timeout clears it; if it was legitimately set, the
      // cost is one extra notify.
      Atomics.and(this.i32, this.w + 2, ~WOKEN);
      this.polled = true;
    }
  }

  /**
   * Give up waiting. If we are the heir, withdraw; if an unlocker already took
   * our heir registration (the exchange in releaseSlow), the lock is being
   * handed to us and we must take it rather than leave it owned by nobody.
   */
  withdraw(): boolean {
    const { i32, w } = this;
    if (!this.heir) return false;
    if (Atomics.compareExchange(i32, w + 1, SELF, 0) === SELF) return false;
    // The unlocker exchanged HEIR just before storing our id in the word; wait for that store.
    for (let v = Atomics.load(i32, w); ownerOf(v) !== SELF; v = Atomics.load(i32, w)) Atomics.wait(i32, w, v, 1);
    return true;
  }
}
