/** The input of an operation that takes no arguments (unknown fields are still refused). */
export class EmptyDto {}
