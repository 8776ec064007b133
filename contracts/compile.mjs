// Compile contracts/src/*.sol offline with the pinned solcjs (npm "solc"), writing contracts/artifacts/<Name>.json
// (ABI, bytecode, compiler settings and the sources' sha256). `--check` writes nothing and exits 1 when the
// committed artifacts differ from what the sources compile to.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const solc = require('solc')
const here = dirname(fileURLToPath(import.meta.url))
const srcDir = join(here, 'src')
const outDir = join(here, 'artifacts')
const check = process.argv.includes('--check')

const settings = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
}
const sources = {}
for (const name of readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[name] = { content: readFileSync(join(srcDir, name), 'utf8') }
}
const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })))
const errors = (output.errors || []).filter((e) => e.severity === 'error')
for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n')
if (errors.length) process.exit(2)

let stale = 0
mkdirSync(outDir, { recursive: true })
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, compiled] of Object.entries(contracts)) {
    const artifact = {
      contractName: name,
      source: `contracts/src/${file}`,
      sourceSha256: createHash('sha256').update(sources[file].content).digest('hex'),
      compiler: `solc ${solc.version()}`,
      settings: { evmVersion: settings.evmVersion, optimizer: settings.optimizer },
      abi: compiled.abi,
      bytecode: '0x' + compiled.evm.bytecode.object,
      deployedBytecode: '0x' + compiled.evm.deployedBytecode.object,
    }
    const text = JSON.stringify(artifact, null, 2) + '\n'
    const path = join(outDir, `${name}.json`)
    let current = null
    try { current = readFileSync(path, 'utf8') } catch {}
    if (current !== text) {
      stale++
      if (check) process.stderr.write(`stale: contracts/artifacts/${name}.json\n`)
      else writeFileSync(path, text)
    }
  }
}
if (check && stale) process.exit(1)
process.stdout.write(check ? 'artifacts match the sources\n' : `compiled; ${stale} artifact(s) written\n`)
