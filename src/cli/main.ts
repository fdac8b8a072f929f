#!/usr/bin/env node
// Entry point of the `skiff` binary.
import { buildProgram, fail } from './program.js';

buildProgram().parseAsync(process.argv).catch(fail);
