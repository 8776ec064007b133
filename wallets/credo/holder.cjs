// A stock Credo 0.5 holder — the framework under Bifold / BC Wallet — for tests.
// Reads invitation URLs on stdin (one per line); writes one JSON object per line on stdout:
// {"event":"ready"}, {"event":"received"}, {"event":"connection","state":...,"theirLabel":...,"imageUrl":...},
// {"event":"credential","state":...}, {"event":"stored","credential":...}, {"event":"proof","state":...} (it
// answers proof requests by itself, as a person tapping "share" would), {"event":"fetch","url":...} (a document
// it wanted from the network: offline, the load fails, as it would on a phone for a URL that does not resolve).
// Env: PORT (DIDComm inbound), MCRED_CONTEXTS (JSON file {url: document}: the public contexts a real wallet
// fetches from their homes), LIB_ARIES_ASKAR_PATH (folder of libaries_askar.so), HOME (askar keeps wallets
// under $HOME/.afj).
const fs = require('fs')
const readline = require('readline')
const {
  Agent, AutoAcceptCredential, AutoAcceptProof, ConnectionEventTypes, ConnectionsModule, CredentialEventTypes,
  CredentialState,
  CredentialsModule, DifPresentationExchangeProofFormatService, HttpOutboundTransport, JsonLdCredentialFormatService,
  JsonTransformer, ProofEventTypes, ProofsModule, V2CredentialProtocol, V2ProofProtocol, W3cCredentialsModule,
} = require('@credo-ts/core')
const { defaultDocumentLoader } = require('@credo-ts/core/build/modules/vc/data-integrity/libraries/documentLoader')
const { DEFAULT_CONTEXTS } = require('@credo-ts/core/build/modules/vc/data-integrity/libraries/contexts')
const { agentDependencies, HttpInboundTransport } = require('@credo-ts/node')
const { AskarModule } = require('@credo-ts/askar')
const { ariesAskar } = require('@hyperledger/aries-askar-nodejs')

const say = (event) => process.stdout.write(JSON.stringify(event) + '\n')

async function main() {
  const port = Number(process.env.PORT)
  const contexts = JSON.parse(fs.readFileSync(process.env.MCRED_CONTEXTS, 'utf8'))
  // Credo's own loader knows its bundled contexts and resolves DIDs; anything else it would fetch.
  const documentLoader = (agentContext) => {
    const credo = defaultDocumentLoader(agentContext)
    return async (url) => {
      if (url in contexts) return { contextUrl: null, documentUrl: url, document: contexts[url] }
      if (url.startsWith('did:') || url.split('#')[0] in DEFAULT_CONTEXTS) return credo(url)
      say({ event: 'fetch', url })
      throw new Error(`offline: ${url} cannot be fetched`)
    }
  }
  const agent = new Agent({
    config: {
      label: 'Credo holder',
      walletConfig: { id: `credo-holder-${port}`, key: 'credo-holder-test-key' },
      endpoints: [`http://127.0.0.1:${port}`],
    },
    dependencies: agentDependencies,
    modules: {
      askar: new AskarModule({ ariesAskar }),
      connections: new ConnectionsModule({ autoAcceptConnections: true }),
      credentials: new CredentialsModule({
        autoAcceptCredentials: AutoAcceptCredential.Always,
        credentialProtocols: [new V2CredentialProtocol({ credentialFormats: [new JsonLdCredentialFormatService()] })],
      }),
      proofs: new ProofsModule({
        autoAcceptProofs: AutoAcceptProof.Always,
        proofProtocols: [new V2ProofProtocol({ proofFormats: [new DifPresentationExchangeProofFormatService()] })],
      }),
      w3cCredentials: new W3cCredentialsModule({ documentLoader }),
    },
  })
  agent.registerInboundTransport(new HttpInboundTransport({ port }))
  agent.registerOutboundTransport(new HttpOutboundTransport())
  await agent.initialize()

  agent.events.on(ConnectionEventTypes.ConnectionStateChanged, ({ payload }) => {
    const { state, theirLabel, imageUrl } = payload.connectionRecord
    say({ event: 'connection', state, theirLabel, imageUrl })
  })
  agent.events.on(CredentialEventTypes.CredentialStateChanged, async ({ payload }) => {
    const record = payload.credentialRecord
    say({ event: 'credential', state: record.state, error: record.errorMessage })
    if (record.state === CredentialState.Done) {
      const stored = await agent.w3cCredentials.getAllCredentialRecords()
      for (const credential of stored) say({ event: 'stored', credential: JsonTransformer.toJSON(credential.credential) })
    }
  })
  agent.events.on(ProofEventTypes.ProofStateChanged, ({ payload }) => {
    say({ event: 'proof', state: payload.proofRecord.state, error: payload.proofRecord.errorMessage })
  })
  const lines = readline.createInterface({ input: process.stdin })
  lines.on('line', async (url) => {
    try {
      await agent.oob.receiveInvitationFromUrl(url.trim())
      say({ event: 'received' })
    } catch (error) {
      say({ event: 'error', message: String(error) })
    }
  })
  lines.on('close', async () => {
    await agent.shutdown()
    process.exit(0)
  })
  say({ event: 'ready' })
}

main().catch((error) => {
  say({ event: 'error', message: String(error && error.stack ? error.stack : error) })
  process.exit(1)
})
