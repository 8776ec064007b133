// A stock Credo 0.6.3 OpenID4VC holder — the framework under Bifold 3 / BC Wallet — for tests.
//
// stdin: one JSON command per line; stdout: one JSON event per line (stderr: Credo's own complaints).
// Commands run one at a time, in order; a failed command reports an error event and the holder keeps going.
//   {"op":"receive","offer":"openid-credential-offer://?credential_offer_uri=...","txCode":"1234","alg":"EdDSA",
//    "configurations":["ids to request; default all offered"]}
//       -> {"event":"offer","issuer":...,"display":...,"configurations":[ids],"txCode":<the grant's tx_code>}
//          {"event":"token"}
//          {"event":"stored","format":...,"configuration":...,"id":...,"compact":<SD-JWT>,"credential":<W3C>,
//           "claims":...,"binding":"jwk"|"did","holderJwk":...,"holderDid":...,"proofAlg":...}   (one per credential)
//          {"event":"notified","notificationId":...}   (when the issuer returned a notification_id)
//          {"event":"done","op":"receive","count":n}
//   {"op":"present","request":"openid4vp://?client_id=...&request_uri=..."}
//       -> {"event":"request","verifier":...,"query":"dcql"|"presentation_exchange","satisfiable":bool}
//          {"event":"presented","ok":...,"status":...,"body":...,"redirectUri":...}
//   {"op":"list"} -> {"event":"credentials","items":[...]}
// Failures: {"event":"error","op":...,"stage":...,"reason":...,"message":...} (receive stages: resolve, token,
// credential, store, notify; present stages: resolve, select, submit). "message" is Credo's whole message; "reason"
// its gist (e.g. "Status is not valid" for a revoked SD-JWT VC, which Credo refuses at receipt).
// Besides: {"event":"ready"} once the agent is up, and {"event":"fetch","method":...,"url":...,"status":...|"error":...}
// for every HTTP request the wallet makes (there is no network here but loopback: a test can see what it wanted).
//
// Env: CREDO_DATA (folder for the askar wallet; default $HOME/.credo06), LIB_ASKAR_PATH (folder of
// libaries_askar.so; default ./lib next to this file, where scripts/install-credo.sh puts it), MCRED_CONTEXTS
// (optional JSON file {url: document}: JSON-LD contexts a real wallet would fetch from their homes; any other
// document an ldp_vc needs is loaded as Credo does — its bundled contexts, DIDs, else the network — and reported
// as a fetch event).
import fs from 'node:fs'
import { EventEmitter } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)
/** An error's message with those of its causes (Credo wraps the telling one several levels down). */
function messageOf(error) {
  let message = error instanceof Error ? error.message : String(error)
  for (let cause = error?.cause; cause; cause = cause.cause) {
    const more = cause instanceof Error ? cause.message : String(cause)
    if (!message.includes(more)) message += `\nCaused by: ${more}`
  }
  return message
}
// A failure to start (or a bug) is reported as an event before the process exits; a failed command is not.
let started = false
process.on('uncaughtException', (error) => {
  const reason = String(error?.message ?? error)
  say({ event: 'error', op: null, stage: started ? 'crash' : 'start', reason, message: messageOf(error) })
  process.exit(1)
})

const here = path.dirname(fileURLToPath(import.meta.url))
process.env.LIB_ASKAR_PATH ??= path.join(here, 'lib')
const dataPath = process.env.CREDO_DATA || path.join(os.homedir(), '.credo06')

// The askar binding goes first: it registers the native library that @credo-ts/askar then uses (loaded later,
// key operations fail with "reading 'keyGetJwkSecret'").
const { askarNodeJS } = await import('@openwallet-foundation/askar-nodejs')
const { Agent, ClaimFormat, DidKey, Kms, W3cCredentialsModule, W3cV2CredentialsModule } = await import('@credo-ts/core')
// Not exported by the package; imported by file, the same module instances Credo uses.
const jsonLd = path.join(here, 'node_modules/@credo-ts/core/build/modules/vc/data-integrity/libraries')
const { defaultDocumentLoader } = await import(path.join(jsonLd, 'documentLoader.mjs'))
const { DEFAULT_CONTEXTS } = await import(path.join(jsonLd, 'contexts/defaultContexts.mjs'))
const { AskarModule } = await import('@credo-ts/askar')
const { OpenId4VcModule, OpenId4VciCredentialFormatProfile } = await import('@credo-ts/openid4vc')

/** The gist of a failure: Credo reports a refused credential as "Failed to validate ... Results = [<JSON>]". */
function reasonOf(message) {
  const results = /Results = (\[.*\])\s*$/s.exec(message)
  if (results) {
    try {
      const reasons = JSON.parse(results[1]).map((result) => result?.error?.message).filter(Boolean)
      if (reasons.length) return reasons.join('; ')
    } catch {}
  }
  return message.split('\n')[0]
}

// @credo-ts/node has no 0.6 release on npm; what it would supply is small.
class NodeFileSystem {
  dataPath = dataPath
  cachePath = path.join(dataPath, 'cache')
  tempPath = path.join(dataPath, 'tmp')
  async exists(p) {
    return fs.promises.access(p).then(() => true, () => false)
  }
  async createDirectory(p) {
    await fs.promises.mkdir(path.dirname(p), { recursive: true })
  }
  async copyFile(from, to) {
    await fs.promises.copyFile(from, to)
  }
  async write(p, data) {
    await fs.promises.mkdir(path.dirname(p), { recursive: true })
    await fs.promises.writeFile(p, data, 'utf8')
  }
  async read(p) {
    return fs.promises.readFile(p, 'utf8')
  }
  async delete(p) {
    await fs.promises.rm(p, { recursive: true, force: true })
  }
  async downloadToFile(url) {
    throw new Error(`downloadToFile(${url}) is not available in the test holder`)
  }
}

class NoWebSocket {
  constructor() {
    throw new Error('the test holder has no WebSocket transport')
  }
}

// Node's fetch, reporting each request the wallet makes.
const recordingFetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const method = init?.method ?? input?.method ?? 'GET'
  try {
    const response = await fetch(input, init)
    say({ event: 'fetch', method, url, status: response.status })
    return response
  } catch (error) {
    say({ event: 'fetch', method, url, error: messageOf(error.cause ?? error) })
    throw error
  }
}

// Credo's JSON-LD document loader, handed the test's copies of public contexts first, reporting what else it loads.
const contexts = process.env.MCRED_CONTEXTS ? JSON.parse(fs.readFileSync(process.env.MCRED_CONTEXTS, 'utf8')) : {}
const documentLoader = (agentContext) => {
  const credo = defaultDocumentLoader(agentContext)
  return async (url) => {
    if (url in contexts) return { contextUrl: null, documentUrl: url, document: contexts[url] }
    if (url.startsWith('did:') || url.split('#')[0] in DEFAULT_CONTEXTS) return credo(url)
    try {
      const loaded = await credo(url)
      say({ event: 'fetch', method: 'GET', url, status: 200 })
      return loaded
    } catch (error) {
      say({ event: 'fetch', method: 'GET', url, error: messageOf(error) })
      throw error
    }
  }
}

fs.mkdirSync(dataPath, { recursive: true })
const agent = new Agent({
  config: {
    // Tests run the issuer and verifier on loopback http. Phones do not have this: every URL must be https.
    allowInsecureHttpUrls: true,
  },
  dependencies: {
    FileSystem: NodeFileSystem,
    EventEmitterClass: EventEmitter,
    fetch: recordingFetch,
    WebSocketClass: NoWebSocket,
  },
  modules: {
    askar: new AskarModule({
      askar: askarNodeJS,
      // A throwaway test wallet: the fast key derivation (a phone keeps the key in its keychain).
      store: { id: 'credo06-holder', key: 'credo06-holder-test-key', keyDerivationMethod: 'kdf:argon2i:int' },
    }),
    openid4vc: new OpenId4VcModule(),
    w3cCredentials: new W3cCredentialsModule({ documentLoader }),
    // W3C VCDM 2.0 (JWT / SD-JWT) credentials; not among Credo 0.6's default modules.
    w3cV2Credentials: new W3cV2CredentialsModule(),
  },
})
await agent.initialize()
const holder = agent.modules.openid4vc.holder

class StageError extends Error {
  constructor(stage, error) {
    super(messageOf(error))
    this.stage = stage
  }
}
const stage = async (name, work) => {
  try {
    return await work()
  } catch (error) {
    throw error instanceof StageError ? error : new StageError(name, error)
  }
}

// The formats in which Credo accepts a bare JWK as the holder binding (the others need a DID).
const JWK_FORMATS = [
  OpenId4VciCredentialFormatProfile.SdJwtDc,
  OpenId4VciCredentialFormatProfile.SdJwtVc,
  OpenId4VciCredentialFormatProfile.MsoMdoc,
]

/** A fresh key per credential, bound as a JWK where the issuer allows it, else as a did:key (or did:jwk). */
function bindingResolver(bindings) {
  return async ({ credentialConfigurationId, credentialFormat, credentialConfiguration, proofTypes, supportsJwk,
    supportsAllDidMethods, supportedDidMethods }) => {
    const algorithms = proofTypes.jwt?.supportedSignatureAlgorithms ?? []
    if (algorithms.length === 0) {
      throw new Error(`no proof signing algorithm in common with the issuer for '${credentialConfigurationId}'` +
        ` (it lists ${JSON.stringify(credentialConfiguration.proof_types_supported ?? null)})`)
    }
    const key = await agent.kms.createKeyForSignatureAlgorithm({ algorithm: algorithms[0] })
    const publicJwk = Kms.PublicJwk.fromPublicJwk(key.publicJwk)
    const proofAlg = algorithms.find((alg) => publicJwk.supportedSignatureAlgorithms.includes(alg))
    const jwkFormat = JWK_FORMATS.includes(credentialFormat) &&
      (credentialFormat !== OpenId4VciCredentialFormatProfile.SdJwtVc || credentialConfiguration.vct)
    // No binding methods listed at all: Credo lets any through; a stock wallet then uses did:key.
    const unspecified = !supportsJwk && !supportsAllDidMethods && supportedDidMethods === undefined
    const didKey = supportsAllDidMethods || supportedDidMethods?.includes('did:key') || unspecified
    const didJwk = supportedDidMethods?.includes('did:jwk')
    // As Credo puts it in the proof's jwk header: the public members plus "kid", the wallet's KMS key id.
    const holderJwk = publicJwk.toJson()
    if (jwkFormat && (supportsJwk || (unspecified && !didKey))) {
      bindings.set(credentialConfigurationId, { holderJwk, proofAlg, method: 'jwk' })
      return { method: 'jwk', keys: [publicJwk] }
    }
    if (didKey || didJwk) {
      const created = await agent.dids.create({ method: didKey ? 'key' : 'jwk', options: { keyId: key.keyId } })
      if (created.didState.state !== 'finished') throw new Error(`creating the holder DID failed: ${created.didState.reason}`)
      const did = created.didState.did
      const didUrl = didKey
        ? `${did}#${DidKey.fromDid(did).publicJwk.fingerprint}`
        : created.didState.didDocument.verificationMethod[0].id
      bindings.set(credentialConfigurationId, { holderJwk, proofAlg, method: 'did', holderDid: did, didUrl })
      return { method: 'did', didUrls: [didUrl] }
    }
    throw new Error(`no holder binding this wallet can make for '${credentialConfigurationId}' (${credentialFormat}):` +
      ` the issuer supports ${JSON.stringify(credentialConfiguration.cryptographic_binding_methods_supported ?? null)}`)
  }
}

function describe(record) {
  switch (record.type) {
    case 'SdJwtVcRecord': {
      const sdJwtVc = record.firstCredential
      return {
        format: sdJwtVc.header.typ === 'vc+sd-jwt' ? 'vc+sd-jwt' : 'dc+sd-jwt',
        compact: sdJwtVc.compact,
        claims: sdJwtVc.prettyClaims,
        vct: sdJwtVc.payload.vct,
        header: sdJwtVc.header,
        typeMetadata: record.typeMetadata ?? null,
        instances: record.credentialInstances.length,
      }
    }
    case 'W3cCredentialRecord': {
      const credential = record.firstCredential
      const ldp = credential.claimFormat === ClaimFormat.LdpVc
      return {
        format: ldp ? 'ldp_vc' : 'jwt_vc_json',
        credential: credential.jsonCredential,
        compact: ldp ? undefined : credential.serializedJwt,
        claims: credential.jsonCredential.credentialSubject,
      }
    }
    case 'W3cV2CredentialRecord': {
      const credential = record.firstCredential
      return {
        format: credential.claimFormat === ClaimFormat.SdJwtW3cVc ? 'vc+sd-jwt' : 'jwt_vc_json',
        compact: credential.encoded,
        credential: credential.resolvedCredential.toJSON(),
        claims: credential.resolvedCredential.toJSON().credentialSubject,
      }
    }
    case 'MdocRecord': {
      const mdoc = record.firstCredential
      return { format: 'mso_mdoc', compact: mdoc.base64Url, claims: mdoc.issuerSignedNamespaces, doctype: mdoc.docType }
    }
    default:
      return { format: record.type }
  }
}

async function storeRecord(record) {
  switch (record.type) {
    case 'SdJwtVcRecord':
      return agent.sdJwtVc.store({ record })
    case 'W3cCredentialRecord':
      return agent.w3cCredentials.store({ record })
    case 'W3cV2CredentialRecord':
      return agent.w3cV2Credentials.store({ record })
    case 'MdocRecord':
      return agent.mdoc.store({ record })
    default:
      throw new Error(`cannot store a ${record.type}`)
  }
}

async function receive({ offer, txCode, alg, configurations }) {
  if (typeof offer !== 'string') throw new StageError('resolve', '"offer" must be the credential offer URI')
  const resolved = await stage('resolve', () => holder.resolveCredentialOffer(offer))
  const { metadata, credentialOfferPayload, offeredCredentialConfigurations } = resolved
  const preAuthorized = credentialOfferPayload.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code']
  say({
    event: 'offer',
    issuer: metadata.credentialIssuer.credential_issuer,
    display: metadata.credentialIssuer.display ?? null,
    configurations: Object.keys(offeredCredentialConfigurations),
    txCode: preAuthorized?.tx_code ?? null,
  })
  if (!preAuthorized) throw new StageError('token', 'the offer has no pre-authorized_code grant (only that flow is supported)')
  const token = await stage('token', () => holder.requestToken({ resolvedCredentialOffer: resolved, txCode }))
  say({ event: 'token' })
  const bindings = new Map()
  const response = await stage('credential', () =>
    holder.requestCredentials({
      resolvedCredentialOffer: resolved,
      ...token,
      credentialConfigurationIds: configurations, // default: every configuration offered
      // A stock wallet leaves the choice to Credo (its order prefers ES256 over EdDSA); a test may pin one.
      allowedProofOfPossessionSignatureAlgorithms: alg ? [alg] : undefined,
      credentialBindingResolver: bindingResolver(bindings),
    })
  )
  let count = 0
  for (const received of response.credentials) {
    const stored = await stage('store', () => storeRecord(received.record))
    const binding = bindings.get(received.credentialConfigurationId) ?? {}
    say({
      event: 'stored',
      configuration: received.credentialConfigurationId,
      id: stored.id,
      ...describe(stored),
      binding: binding.method,
      holderJwk: binding.holderJwk,
      holderDid: binding.holderDid,
      proofAlg: binding.proofAlg,
      notificationId: received.notificationId,
    })
    count += 1
    if (received.notificationId) {
      await stage('notify', () =>
        holder.sendNotification({
          metadata,
          notificationId: received.notificationId,
          accessToken: token.accessToken,
          dpop: response.dpop ?? token.dpop,
          notificationEvent: 'credential_accepted',
        })
      )
      say({ event: 'notified', notificationId: received.notificationId })
    }
  }
  for (const deferred of response.deferredCredentials) {
    say({ event: 'deferred', configuration: deferred.credentialConfigurationId, transactionId: deferred.transactionId })
  }
  say({ event: 'done', op: 'receive', count })
}

async function present({ request }) {
  if (typeof request !== 'string') throw new StageError('resolve', '"request" must be the authorization request URI')
  const resolved = await stage('resolve', () => holder.resolveOpenId4VpAuthorizationRequest(request))
  const { presentationExchange, dcql } = resolved
  const satisfiable = dcql ? dcql.queryResult.can_be_satisfied
    : presentationExchange ? presentationExchange.credentialsForRequest.areRequirementsSatisfied : false
  say({
    event: 'request',
    verifier: resolved.verifier,
    query: dcql ? 'dcql' : presentationExchange ? 'presentation_exchange' : null,
    satisfiable,
  })
  const accept = await stage('select', async () => {
    if (!dcql && !presentationExchange) throw new Error('the request has neither a DCQL query nor a presentation definition')
    if (!satisfiable) throw new Error('no stored credential satisfies the request')
    const selected = { authorizationRequestPayload: resolved.authorizationRequestPayload }
    if (dcql) selected.dcql = { credentials: holder.selectCredentialsForDcqlRequest(dcql.queryResult) }
    else {
      selected.presentationExchange = {
        credentials: holder.selectCredentialsForPresentationExchangeRequest(presentationExchange.credentialsForRequest),
      }
    }
    if (resolved.transactionData) {
      selected.transactionData = resolved.transactionData.map(({ matchedCredentialIds }) => {
        if (!matchedCredentialIds.length) throw new Error('no stored credential matches the transaction data')
        return { credentialId: matchedCredentialIds[0] }
      })
    }
    return selected
  })
  const result = await stage('submit', () => holder.acceptOpenId4VpAuthorizationRequest(accept))
  say({
    event: 'presented',
    ok: result.ok,
    status: result.serverResponse?.status ?? null,
    body: result.serverResponse?.body ?? null,
    redirectUri: result.redirectUri ?? null,
  })
}

async function list() {
  const records = [
    ...(await agent.sdJwtVc.getAll()),
    ...(await agent.w3cCredentials.getAll()),
    ...(await agent.w3cV2Credentials.getAll()),
    ...(await agent.mdoc.getAll()),
  ]
  say({ event: 'credentials', items: records.map((record) => ({ id: record.id, ...describe(record) })) })
}

const operations = { receive, present, list }

async function run(line) {
  if (!line.trim()) return
  let command
  try {
    command = JSON.parse(line)
  } catch (error) {
    const message = `not a JSON command: ${messageOf(error)}`
    say({ event: 'error', op: null, stage: 'command', reason: message, message })
    return
  }
  const operation = operations[command?.op]
  if (!operation) {
    const message = `unknown op ${JSON.stringify(command?.op)}`
    say({ event: 'error', op: command?.op ?? null, stage: 'command', reason: message, message })
    return
  }
  try {
    await operation(command)
  } catch (error) {
    const message = messageOf(error)
    say({ event: 'error', op: command.op, stage: error.stage ?? 'internal', reason: reasonOf(message), message })
  }
}

let queue = Promise.resolve()
const lines = readline.createInterface({ input: process.stdin })
lines.on('line', (line) => {
  queue = queue.then(() => run(line))
})
lines.on('close', () => {
  queue.then(async () => {
    await agent.shutdown()
    process.exit(0)
  })
})
started = true
say({ event: 'ready' })
