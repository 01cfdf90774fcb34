import { describe, expect, it } from 'vitest'
import { describeValue } from '../../lib/errors/validation-error.js'

describe('describeValue', () => {
  it('calls an object literal, or one without a prototype, a plain object', () => {
    expect(describeValue({ a: 1 })).toBe('a plain object')
    expect(describeValue(Object.create(null))).toBe('a plain object')
  })

  it('names the class of any other object', () => {
    expect(describeValue(new Map())).toBe('a Map object')
    expect(describeValue(Promise.resolve(1))).toBe('a Promise object')
  })
})
