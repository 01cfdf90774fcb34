import { afterEach, describe, expect, it, vi } from 'vitest'
import { DeletionClock } from '../../lib/soft-delete/deletion-clock.js'

describe('DeletionClock', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stamps a plain soft delete with the current even millisecond', () => {
    vi.useFakeTimers({ now: 1_000_001 })
    const clock = new DeletionClock()
    expect(clock.next().getTime()).toBe(1_000_000)
    expect(clock.next().getTime()).toBe(1_000_000)
  })

  it('stamps each cascade with an odd millisecond of its own, even within one millisecond', () => {
    vi.useFakeTimers({ now: 2_000_000 })
    const clock = new DeletionClock()
    expect([clock.next(true), clock.next(true), clock.next(true)].map((stamp) => stamp.getTime())).toEqual([2_000_001, 2_000_003, 2_000_005])
  })

  it('keeps the current odd millisecond for a cascade when it is new', () => {
    vi.useFakeTimers({ now: 3_000_007 })
    expect(new DeletionClock().next(true).getTime()).toBe(3_000_007)
  })
})
