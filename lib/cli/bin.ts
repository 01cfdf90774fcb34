#!/usr/bin/env node
// The `veil-orm` command of the package (`npx veil-orm --help`): package.json's "bin" points here.
import 'reflect-metadata'
import { runCli } from './run-cli.js'

const io = {
  cwd: process.cwd(),
  out: (text: string): void => void process.stdout.write(`${text}\n`),
  err: (text: string): void => void process.stderr.write(`${text}\n`),
}
// exitCode, not exit(): stdout (a pipe, for --json) is written out before the process ends.
void runCli(process.argv.slice(2), io).then((code) => {
  process.exitCode = code
})
