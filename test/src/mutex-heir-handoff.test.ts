/**
 * Heir registration racing a starvation handoff. An unlock that hands the
 * lock to its heir replaces the word, STARVING flag and all, with the heir's.
 * A second waiter that registers as heir around that moment must end up with
 * STARVING on the word that is current, or as an ordinary counted sleeper:
 * never asleep on HEIR with nobody left to hand the lock to it (it would
 * sleep out its 50 ms poll with the lock free). Each interleaving is forced
 * with the lock's fault points ('starving', 'handing-over'); asserted on the
 * lock's words, never on time. And the heir of a handoff held up half-way
 * (its unlocker preempted) waits for it asleep, not in a loop.
 */
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Mutex } from '@atomic-jobs/store';
import { Scripted, fixtureUrl, sleep, until } from './helpers/threads.js';
import type { MutexRequest, MutexScriptedData } from '../fixtures/mutex-scripted.js';
import { CTL_BYTES, DONE, HOLDING, REACHED, RESUME, UNLOCK, type ParkedData } from '../fixtures/mutex-parked.js';

/*
 * Words of the lock, from packages/store/src/lock-word.ts (internal, so named
 * here once): word +0 bit 1 is STARVING; word +4 (HEIR) the registered heir's
 * owner id (threadId + 1); word +8 (SLEEPERS) the counted sleepers, above bit 0.
 */
const STARVING = 2;
const HEIR = 1;
const SLEEPERS = 2;

const workers: { terminate(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

interface Parked {
  readonly id: number;
  readonly ctl: Int32Array;
}

async function parked(buffer: SharedArrayBuffer, role: ParkedData['role'], park: boolean): Promise<Parked> {
  const ctl = new SharedArrayBuffer(CTL_BYTES);
  const w = new Worker(fixtureUrl('mutex-parked'), { workerData: { buffer, ctl, role, park } satisfies ParkedData });
  workers.push(w);
  const threadId = await new Promise<number>((resolve) => w.once('message', resolve));
  return { id: threadId + 1, ctl: new Int32Array(ctl) };
}

function signal(c: Int32Array, word: number): void {
  Atomics.store(c, word, 1);
  Atomics.notify(c, word);
}

/** A first waiter that waits past the threshold on the current holder, registers as heir and flags the word. */
async function firstHeir(buffer: SharedArrayBuffer, lock: Int32Array): Promise<{ readonly s: Scripted<MutexRequest>; readonly locked: Promise<unknown> }> {
  const s = new Scripted<MutexRequest>('mutex-scripted', { buffer, byteOffset: 0 } satisfies MutexScriptedData);
  workers.push(s);
  const id = ((await s.ok({ op: 'threadId' })) as number) + 1;
  const locked = s.ok({ op: 'lock' });
  await until(() => Atomics.load(lock, HEIR) === id && (Atomics.load(lock, 0) & STARVING) !== 0, 'the first waiter to register as heir');
  return { s, locked };
}

/** A lock held by a parked holder (its unlock will stop at 'handing-over'), and a first waiter registered as its heir. */
async function holderAndHeir(): Promise<{ buffer: SharedArrayBuffer; lock: Int32Array; holder: Parked; first: Awaited<ReturnType<typeof firstHeir>> }> {
  const buffer = new SharedArrayBuffer(Mutex.BYTES);
  const lock = new Int32Array(buffer);
  const holder = await parked(buffer, 'holder', true);
  await until(() => Atomics.load(holder.ctl, HOLDING) === 1, 'the holder to take the lock');
  return { buffer, lock, holder, first: await firstHeir(buffer, lock) };
}

/**
 * Wait until `waiter` has the lock (DONE), failing if it is found asleep on
 * HEIR while the lock is free: a notify there then wakes someone.
 */
async function takesTheFreeLock(lock: Int32Array, waiter: Parked): Promise<void> {
  let asleepOnFreeLock = false;
  for (let i = 0; i < 10_000 && Atomics.load(waiter.ctl, DONE) === 0 && !asleepOnFreeLock; i++) {
    if (Atomics.load(lock, 0) === 0 && Atomics.load(lock, HEIR) === waiter.id) asleepOnFreeLock = Atomics.notify(lock, HEIR, 1) > 0;
    await sleep(1);
  }
  expect(asleepOnFreeLock).toBe(false);
  await until(() => Atomics.load(waiter.ctl, DONE) === 1, 'the second waiter to take the lock');
  await until(() => Atomics.load(lock, 0) === 0, 'the second waiter to unlock');
  expect(Atomics.load(lock, HEIR)).toBe(0);
}

describe('Mutex heir registration racing a handoff', () => {
  it('a waiter that read the word before a handoff and registers after it looks at the word again', async () => {
    const buffer = new SharedArrayBuffer(Mutex.BYTES);
    const lock = new Int32Array(buffer);
    const mutex = new Mutex(buffer);
    mutex.lock();
    const first = await firstHeir(buffer, lock);

    // The second waiter stops at its registration, having read our word (flagged).
    const second = await parked(buffer, 'waiter', true);
    await until(() => Atomics.load(second.ctl, REACHED) === 1, 'the second waiter to reach the starving point');

    // Hand over to the first heir, which unlocks at once: the lock is free.
    mutex.unlock();
    await first.locked;
    await first.s.ok({ op: 'unlock' });
    expect(Atomics.load(lock, 0)).toBe(0);
    expect(Atomics.load(lock, HEIR)).toBe(0);

    // Now the second waiter registers, with a view of the word from before.
    signal(second.ctl, RESUME);
    await takesTheFreeLock(lock, second);
  });

  it('no waiter registers as heir while an unlock is handing the lock over', async () => {
    const { buffer, lock, holder, first } = await holderAndHeir();
    const second = await parked(buffer, 'waiter', true);
    await until(() => Atomics.load(second.ctl, REACHED) === 1, 'the second waiter to reach the starving point');

    // The holder's unlock stops between taking the first heir's registration
    // and storing its word; the first heir sleeps on, until the notify that follows.
    signal(holder.ctl, UNLOCK);
    await until(() => Atomics.load(holder.ctl, REACHED) === 1, 'the holder to stop handing over');

    // The second waiter tries to register now. Had it registered, it would
    // sleep on HEIR relying on the STARVING flag of the word being replaced,
    // and the handoff's one notify there would wake the first heir, not it.
    // It must sleep as an ordinary, counted sleeper instead.
    signal(second.ctl, RESUME);
    await until(() => Atomics.load(lock, HEIR) === second.id || Atomics.load(lock, SLEEPERS) >> 1 >= 1, 'the second waiter to register or to sleep');

    // The handoff completes; the first heir takes the lock and releases it.
    signal(holder.ctl, RESUME);
    await until(() => Atomics.load(holder.ctl, DONE) === 1, 'the holder to return from unlock');
    await first.locked;
    await first.s.ok({ op: 'unlock' });
    await takesTheFreeLock(lock, second);
  });

  it('the heir of a handoff held up half-way sleeps until it completes, rather than looping', async () => {
    const { lock, holder, first } = await holderAndHeir();
    // The holder's unlock stops with the heir's registration taken (its mark in HEIR), the heir's word not yet stored.
    signal(holder.ctl, UNLOCK);
    await until(() => Atomics.load(holder.ctl, REACHED) === 1, 'the holder to stop handing over');
    expect(Atomics.load(lock, HEIR)).toBe(-holder.id);
    // Wake the heir from the sleep it began while registered. Waiting on its
    // own id now would return at once, every time: a waiter in that loop is
    // never in HEIR's wait list, so no later notify could find it there.
    await until(() => Atomics.notify(lock, HEIR, 1) > 0, 'the heir to be asleep on HEIR');
    for (let k = 0; k < 3; k++) await until(() => Atomics.notify(lock, HEIR, 1) > 0, 'the heir to sleep again while the handoff is held up', 2000);
    // The handoff completes: the heir has the lock, HEIR is clear.
    signal(holder.ctl, RESUME);
    await first.locked;
    expect(Atomics.load(lock, HEIR)).toBe(0);
    await first.s.ok({ op: 'unlock' });
    expect(Atomics.load(lock, 0)).toBe(0);
  });
});
