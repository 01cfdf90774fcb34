#!/usr/bin/env node
// The `veil-orm` command of the package (`npx veil-orm --help`): package.json's "bin" points here.
import 'reflect-metadata'
import { runCli } from './run-cli.js'

const io = {
  cwd: process.cwd(),
  out: (text: string): void => void process.stdout.write(`${text}\n`),
  err: (text: string): void => void process.stderr.write(`${text}\n`),
}
void runCli(process.argv.slice(2), io).then((code) => {
  // Exit once both streams are written out (a pipe may be asynchronous), rather than wait for the event
  // loop to empty: a pg.Pool or SQLite Database that the config opened itself stays open after ORM.close().
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
})
