// The Digital Credentials Consortium's verifier-core (the verifier behind the Learner Credential Wallet), as
// a stranger runs it: its own bundled contexts, and the network only where the test allows.
//
// usage: node verify.mjs --allow PREFIX [--allow PREFIX]... [--local URL=FILE]... < document.json
//   --allow PREFIX   URLs fetched for real (our status lists); every other fetch fails and is recorded
//   --local URL=FILE answered with FILE's bytes: a document as its real home serves it (the OB3 JSON Schema
//                    from purl.imsglobal.org), for machines without internet
// stdout: {"summary": {...}, "result": <verifier-core's result>, "blocked": [URLs it tried and was refused]}
//
// verifier-core takes no fetch or document loader: every context, DID, status list and schema it loads goes
// through globalThis.fetch, so that is what is guarded.
import { readFileSync } from 'node:fs'

for (const level of ['log', 'info', 'warn', 'debug']) console[level] = (...a) => console.error(...a)

const allow = []
const local = new Map()
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--allow') allow.push(args[++i])
  else if (args[i] === '--local') {
    const [url, file] = args[++i].split(/=(.*)/s)
    local.set(url, readFileSync(file, 'utf8'))
  } else {
    console.error(`unknown argument ${args[i]}`)
    process.exit(2)
  }
}

const realFetch = globalThis.fetch
const blocked = new Set()
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  if (local.has(url)) {
    return new Response(local.get(url), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  if (allow.some((prefix) => url.startsWith(prefix))) return realFetch(input, init)
  blocked.add(url)
  const error = new TypeError('fetch failed')
  error.cause = new Error(`offline: ${url}`)
  throw error
}

const { verifyCredential } = await import('@digitalcredentials/verifier-core')
const credential = JSON.parse(readFileSync(0, 'utf8'))
const result = await verifyCredential({ credential, knownDIDRegistries: [] })

// One line per check, by verifier-core's own ids: true / false, or the error's name when it could not decide.
const summary = { fatal: (result.errors ?? []).map((e) => e.name ?? e.message), checks: {} }
for (const entry of result.log ?? []) {
  summary.checks[entry.id] = 'valid' in entry ? entry.valid : (entry.error?.name ?? 'error')
}
if (result.error) summary.error = result.error.message ?? String(result.error)
const schema = (result.additionalInformation ?? []).find((info) => info.id === 'schema_check')
summary.schema = Array.isArray(schema?.results)
  ? schema.results.map((r) => ({
      schema: r.schema,
      valid: r.result?.valid,
      errors: (r.result?.errors ?? []).map((e) => `${e.instancePath} ${e.message}`),
    }))
  : (schema?.results ?? null)
delete result.credential
const plain = (key, value) => (value instanceof Error ? { name: value.name, message: value.message } : value)
process.stdout.write(JSON.stringify({ summary, result, blocked: [...blocked] }, plain) + '\n')
