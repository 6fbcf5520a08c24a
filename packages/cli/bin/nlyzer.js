#!/usr/bin/env node
// The CLI is TypeScript run by Node's type stripping; this shim only loads it.
import '../src/main.ts';
