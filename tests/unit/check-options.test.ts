import { describe, expect, it } from 'vitest'
import { BootError, ValidationError } from '../../lib/index.js'
import { checkOptions, defineOptions } from '../../lib/util/check-options.js'

const spec = defineOptions('find', { where: 'value', withDeleted: 'boolean' }, { paranoid: 'use withDeleted' })

describe('checkOptions', () => {
  it('accepts undefined, known keys and undefined values', () => {
    expect(() => checkOptions(undefined, spec, 'User')).not.toThrow()
    expect(() => checkOptions({ where: {}, withDeleted: true }, spec, 'User')).not.toThrow()
    expect(() => checkOptions({ withDeleted: undefined }, spec, 'User')).not.toThrow()
  })

  it('names the call, the unknown key, the hint and the valid keys', () => {
    expect(() => checkOptions({ paranoid: false }, spec, 'User')).toThrow(
      new ValidationError("User.find() has no option 'paranoid' (use withDeleted). Valid options: where, withDeleted."),
    )
    expect(() => checkOptions({ toString: 1 }, spec, 'User')).toThrow("has no option 'toString'")
  })

  it('refuses a boolean option that is not true or false', () => {
    expect(() => checkOptions({ withDeleted: 'yes' }, spec, 'User')).toThrow(`User.find(): 'withDeleted' must be true or false, not the string "yes".`)
    expect(() => checkOptions({ withDeleted: 1 }, spec, 'User')).toThrow(ValidationError)
  })

  it('refuses options that are not a plain object', () => {
    for (const options of [null, 'x', 3, []]) expect(() => checkOptions(options, spec, 'User')).toThrow('takes an options object')
  })

  it('throws the error the caller chooses', () => {
    expect(() => checkOptions({ nope: 1 }, spec, 'ORM', BootError.badOption)).toThrow(BootError)
  })
})
