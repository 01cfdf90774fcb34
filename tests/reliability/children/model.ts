import { Column, Entity, Relation, type EntityClass } from '../../../lib/index.js'

// The model the child processes of the reliability tests boot: relations (foreign keys), a
// junction table and unique indexes, so that a schema race or a killed DDL has something to hit.

export class Member extends Entity {
  @Column({ unique: true }) handle: string
  constructor(handle: string) {
    super()
    this.handle = handle
  }
}

export class Label extends Entity {
  @Column({ unique: true }) name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

export class Post extends Entity {
  @Column() title: string
  @Relation(() => Member) createdBy: Member
  @Relation(() => Member, { nullable: true }) editor?: Member
  @Relation(() => Label) labels: Label[] = []
  constructor(title: string, createdBy: Member) {
    super()
    this.title = title
    this.createdBy = createdBy
  }
}

export const CHILD_MODEL: EntityClass[] = [Member, Label, Post]
