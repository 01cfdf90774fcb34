import { describe, expect, it } from 'vitest'
import {
  hiddenMembers,
  hidingColumn,
  parentsThatMustBeLive,
  relationVisibility,
  uniqueAmong,
  visibilityOf,
  visibleRows,
} from '../../lib/soft-delete/visibility.js'
import { junctionOf, metaOf, Plain, Post, Writer } from './sql-model.js'

describe('soft-delete visibility', () => {
  const post = metaOf(Post)
  const deletedAt = post.deletedAtColumn

  it('reads live rows by default, every row with withDeleted, hidden rows with onlyDeleted', () => {
    expect(visibilityOf(undefined)).toBe('live')
    expect(visibilityOf({ withDeleted: true })).toBe('all')
    expect(visibilityOf({ onlyDeleted: true, withDeleted: true })).toBe('deleted')
  })

  it('hides rows of a soft-deletable class by its deletedAt column, and no row of a plain class', () => {
    expect(hidingColumn(post)).toBe(deletedAt)
    expect(visibleRows(post, 'live')).toEqual({ column: deletedAt, hidden: false })
    expect(visibleRows(post, 'deleted')).toEqual({ column: deletedAt, hidden: true })
    expect(visibleRows(post, 'all')).toBeUndefined()
    expect(visibleRows(metaOf(Plain), 'live')).toBeUndefined()
  })

  it('sees live rows through a relation unless its options ask for withDeleted', () => {
    expect(relationVisibility(true)).toBe('live')
    expect(relationVisibility({ writer: true })).toBe('live')
    expect(relationVisibility({ withDeleted: true })).toBe('all')
  })

  it('keeps the junction rows of soft-deleted members only when the target can be soft-deleted', () => {
    expect(hiddenMembers(junctionOf(Post, 'labels'))).toMatchObject({ hidden: true })
    expect(hiddenMembers(junctionOf(Plain, 'topics'))).toBeUndefined()
  })

  it('requires the required soft-deletable parents to be live', () => {
    expect(parentsThatMustBeLive(post).map((relation) => relation.property)).toEqual(['writer'])
  })

  it('makes unique columns unique among live rows of a soft-deletable class, among all rows otherwise', () => {
    expect(uniqueAmong(metaOf(Writer))).toEqual({ column: metaOf(Writer).deletedAtColumn, hidden: false })
    expect(uniqueAmong(metaOf(Plain))).toBeUndefined()
  })
})
