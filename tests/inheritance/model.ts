import { Column, Entity, Relation, SoftDel } from '../../lib/index.js'

// The inheritance suite's model: a booted hierarchy Person -> Employee -> Manager (concrete inheritance,
// one shared table), classes that point into it, and a soft-deletable twin. Declared here because only
// tests/inheritance/ boots a hierarchy; vitest evaluates this module once per test file.

/** A badge; Person.tags is a to-many relation every class of the hierarchy inherits, `people` its inverse view. */
export class Badge extends Entity {
  @Column() label: string
  @Relation(() => Person, { inverse: 'tags' }) people: Person[]
  constructor(label: string) {
    super()
    this.label = label
  }
}

/** The root of the hierarchy: its table, person, holds the rows of every class below it. */
export class Person extends Entity {
  @Column() name: string
  @Relation(() => Badge) tags: Badge[] = []
  @Relation(() => Note, { inverse: 'author' }) notes: Note[]
  constructor(name: string) {
    super()
    this.name = name
  }
}

/** A person with a salary (required by the ORM, nullable in the shared table) and an optional mentor. */
export class Employee extends Person {
  @Column() salary: number
  @Relation(() => Person, { nullable: true }) mentor?: Person
  constructor(name: string, salary: number) {
    super(name)
    this.salary = salary
  }
}

/** The third level: an employee with a budget. */
export class Manager extends Employee {
  @Column({ nullable: true }) budget?: number
}

/** A customer: a sibling of Employee under Person. */
export class Customer extends Person {
  @Column({ nullable: true }) segment?: string
}

/** A note needs its author, any person: a dependent of the whole hierarchy. */
export class Note extends Entity {
  @Column() text: string
  @Relation(() => Person) author: Person
  constructor(text: string, author: Person) {
    super()
    this.text = text
    this.author = author
  }
}

/** A team is led by an employee: a relation to a subclass. */
export class Team extends Entity {
  @Column() title: string
  @Relation(() => Employee) lead: Employee
  constructor(title: string, lead: Employee) {
    super()
    this.title = title
    this.lead = lead
  }
}

export const HIERARCHY = [Badge, Person, Employee, Manager, Customer, Note, Team]

/** The soft-deletable twin: a soft-deletable root makes the whole hierarchy soft-deletable. */
export class Member extends SoftDel {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

export class Staff extends Member {
  @Column({ nullable: true }) role?: string
}

export class Lead extends Staff {}

/** A post needs its member: soft-deleting the member with cascade hides the post. */
export class Post extends SoftDel {
  @Column() title: string
  @Relation(() => Member) member: Member
  constructor(title: string, member: Member) {
    super()
    this.title = title
    this.member = member
  }
}

/** A shift needs a staff member (a subclass). */
export class Shift extends SoftDel {
  @Column() day: string
  @Relation(() => Staff) staff: Staff
  constructor(day: string, staff: Staff) {
    super()
    this.day = day
    this.staff = staff
  }
}

export const SOFT_HIERARCHY = [Member, Staff, Lead, Post, Shift]
