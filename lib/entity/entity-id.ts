/** The type of an entity id: a number for INT, a bigint for BIGINT, a string for UUID. */
export type EntityId = number | bigint | string
