import { describe, expect, it } from 'vitest'
import { AfterDelete, BeforeInsert, BeforeUpdate, BootError, Column, Entity, SoftDel, SoftDelUuid } from '../../lib/index.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'

// The hook lists boot computes, without a database: order, inheritance, once per method, and the refusal.

function hooksOf(ctor: abstract new (...args: never[]) => object) {
  const registry = buildMetadata([ctor], { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
  return registry.forClass(ctor)?.hooks
}

abstract class Base extends Entity {
  @BeforeInsert() first() {}
  @BeforeInsert() shared() {}
}

class Child extends Base {
  @Column() name: string = ''
  @BeforeInsert() own() {}
  // Overrides the inherited hook method and decorates it again: it still runs once.
  @BeforeInsert() override shared() {}
  @BeforeUpdate() @AfterDelete() both() {}
}

class Bare extends Entity {
  @Column() name: string = ''
}

describe('hook lists', () => {
  it('lists inherited hooks first, each method once, per event', () => {
    const hooks = hooksOf(Child)
    expect(hooks?.beforeInsert).toEqual(['first', 'shared', 'own'])
    expect(hooks?.beforeUpdate).toEqual(['both'])
    expect(hooks?.afterDelete).toEqual(['both'])
    expect(hooks?.afterInsert).toEqual([])
    expect(hooks?.hasAny).toBe(true)
    expect(Object.isFrozen(hooks)).toBe(true)
    expect(Object.isFrozen(hooks?.beforeInsert)).toBe(true)
  })

  it('gives a class without hooks empty lists', () => {
    expect(hooksOf(Bare)?.hasAny).toBe(false)
  })

  it('refuses a hook decorator on a member that is not a method, naming it', () => {
    class Odd extends Entity {
      @Column() name: string = ''
      @(BeforeInsert() as PropertyDecorator) label = 'x'
    }
    expect(() => hooksOf(Odd)).toThrow(BootError)
    expect(() => hooksOf(Odd)).toThrow('Odd.label has @BeforeInsert() but is not a method; put the decorator on a method of the class.')
  })
})
