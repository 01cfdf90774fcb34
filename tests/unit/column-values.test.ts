import { describe, expect, it } from 'vitest'
import { isBindableValue, isComparableValue, isWritableValue, normalizeValue } from '../../lib/metadata/column-values.js'

describe('isWritableValue', () => {
  it('takes bigints in the signed 64-bit range only', () => {
    expect(isWritableValue('bigint', 2n ** 63n - 1n)).toBe(true)
    expect(isWritableValue('bigint', -(2n ** 63n))).toBe(true)
    expect(isWritableValue('bigint', 2n ** 63n)).toBe(false)
    expect(isWritableValue('bigint', -(2n ** 63n) - 1n)).toBe(false)
  })

  it('takes Dates in the years 0001 to 9999 only', () => {
    expect(isWritableValue('date', new Date('0001-01-01T00:00:00.000Z'))).toBe(true)
    expect(isWritableValue('date', new Date('9999-12-31T23:59:59.999Z'))).toBe(true)
    expect(isWritableValue('date', new Date(Date.parse('0001-01-01T00:00:00.000Z') - 1))).toBe(false)
    expect(isWritableValue('date', new Date(Date.parse('9999-12-31T23:59:59.999Z') + 1))).toBe(false)
    expect(isWritableValue('date', new Date(Number.NaN))).toBe(false)
  })

  it('refuses NUL in text but keeps every other character', () => {
    expect(isWritableValue('text', 'a\u0000')).toBe(false)
    expect(isWritableValue('text', '\u0001\t😀')).toBe(true)
  })

  it('refuses NUL and unpaired surrogates anywhere in json, keys included', () => {
    expect(isWritableValue('json', { a: [{ b: 'x\u0000' }] })).toBe(false)
    expect(isWritableValue('json', { ['\u0000']: 1 })).toBe(false)
    expect(isWritableValue('json', ['\ud800'])).toBe(false)
    expect(isWritableValue('json', { ['\udc00']: 1 })).toBe(false)
    expect(isWritableValue('json', { '😀': ['\ud83d\ude00'], n: 1, ok: null })).toBe(true)
  })

  it('walks json as JSON.stringify does: toJSON once, cycles refused', () => {
    expect(isWritableValue('json', { when: new Date(0) })).toBe(true)
    expect(isWritableValue('json', { toJSON: () => 'a\u0000' })).toBe(false)
    const self: { toJSON(): unknown } = { toJSON() { return this } }
    expect(isWritableValue('json', self)).toBe(true)
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(isWritableValue('json', cycle)).toBe(false)
    const shared = { x: 1 }
    expect(isWritableValue('json', [shared, shared])).toBe(true)
  })

  it('compares a bigint column with a safe integer number, and refuses out-of-range bigints there too', () => {
    expect(isComparableValue('bigint', 42)).toBe(true)
    expect(isComparableValue('bigint', 2n ** 64n)).toBe(false)
  })
})

describe('isBindableValue', () => {
  it('takes what both databases bind inside a fragment', () => {
    for (const value of ['x', 1.5, 1n, true, null, new Date(0)]) expect(isBindableValue(value)).toBe(true)
    for (const value of ['a\u0000', Number.NaN, Number.POSITIVE_INFINITY, 2n ** 63n, new Date('+010000-01-01T00:00:00Z'), undefined, {}, Symbol('s')]) {
      expect(isBindableValue(value)).toBe(false)
    }
  })
})

describe('normalizeValue', () => {
  it('lower-cases uuid strings and leaves everything else alone', () => {
    expect(normalizeValue('uuid', 'ABCDEF00-0000-0000-0000-000000000000')).toBe('abcdef00-0000-0000-0000-000000000000')
    expect(normalizeValue('text', 'ABC')).toBe('ABC')
    expect(normalizeValue('uuid', 7)).toBe(7)
  })
})
