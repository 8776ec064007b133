// A stock Credo 0.5 holder — the framework under Bifold / BC Wallet — for tests.
// Reads invitation URLs on stdin (one per line); writes one JSON object per line on stdout:
// {"event":"ready"}, {"event":"received"}, {"event":"credential","state":...}, {"event":"stored","credential":...},
// {"event":"proof","state":...} (it answers proof requests by itself, as a person tapping "share" would).
// Env: PORT (DIDComm inbound), MCRED_CONTEXTS (JSON file {url: document}: what a real wallet fetches online),
// LIB_ARIES_ASKAR_PATH (folder of libaries_askar.so), HOME (askar keeps wallets under $HOME/.afj).
const fs = require('fs')
const readline = require('readline')
const {
  Agent, AutoAcceptCredential, AutoAcceptProof, ConnectionsModule, CredentialEventTypes, CredentialState,
  CredentialsModule, DifPresentationExchangeProofFormatService, HttpOutboundTransport, JsonLdCredentialFormatService,
  JsonTransformer, ProofEventTypes, ProofsModule, V2CredentialProtocol, V2ProofProtocol, W3cCredentialsModule,
} = require('@credo-ts/core')
const { defaultDocumentLoader } = require('@credo-ts/core/build/modules/vc/data-integrity/libraries/documentLoader')
const { agentDependencies, HttpInboundTransport } = require('@credo-ts/node')
const { AskarModule } = require('@credo-ts/askar')
const { ariesAskar } = require('@hyperledger/aries-askar-nodejs')

const say = (event) => process.stdout.write(JSON.stringify(event) + '\n')

async function main() {
  const port = Number(process.env.PORT)
  const contexts = JSON.parse(fs.readFileSync(process.env.MCRED_CONTEXTS, 'utf8'))
  const documentLoader = (agentContext) => {
    const fallback = defaultDocumentLoader(agentContext)
    return async (url) =>
      url in contexts ? { contextUrl: null, documentUrl: url, document: contexts[url] } : fallback(url)
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
