// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title StatusRegistry
/// @notice Revocation and suspension status lists of credential issuers, anchored cheaply.
/// @dev A list's bits live in calldata and events, not in storage: random index allocation (herd privacy,
/// W3C Bitstring Status List) leaves one index per storage word, which makes a storage bitmap cost about as
/// much as a slot per credential. Storage holds, per list, its owner, a commitment to the whole bitstring
/// (keccak256 of the uncompressed bits, as the issuer computed it) and the block of the latest update. Every
/// update event names the block of the update before it, so a verifier with nothing but an RPC endpoint
/// walks the chain of updates back (one eth_getLogs per update block), replays them to learn any entry's
/// status, and checks the result — and any status list served over HTTP — against the commitment.
contract StatusRegistry {
    /// @notice What a list's bits mean: a W3C Bitstring Status List of one purpose, or an IETF Token Status
    /// List (two bits per credential: bit 2i revoked, bit 2i+1 suspended). The contract treats all alike.
    enum Purpose {
        Revocation,
        Suspension,
        TokenStatus
    }

    struct StatusList {
        address owner;
        Purpose purpose;
        uint32 size;
        uint64 createdBlock;
        uint64 lastUpdateBlock;
        uint64 version;
        bytes32 commitment;
    }

    /// @notice The smallest list the W3C Bitstring Status List allows (16 KiB of bits): herd privacy.
    uint32 public constant MIN_SIZE = 131_072;

    /// @notice Lists by id (chosen by the owner, e.g. a hash of its URL).
    mapping(bytes32 listId => StatusList) public lists;

    /// @notice Accounts an owner lets write its lists (e.g. an institution's anchoring worker).
    mapping(address owner => mapping(address delegate => bool)) public delegates;

    /// @notice Signed delegations an owner has given so far: each signature carries the next one, once.
    mapping(address owner => uint256) public nonces;

    /// @notice EIP-712 type of a signed delegation (`setDelegateBySig`).
    bytes32 public constant DELEGATION_TYPEHASH =
        keccak256("Delegation(address owner,address delegate,bool allowed,uint256 nonce,uint256 deadline)");

    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @dev secp256k1n / 2: a signature with a larger s is the malleable twin of another (EIP-2).
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice A list was created.
    /// @param listId The list.
    /// @param owner The account that owns it.
    /// @param purpose Revocation, suspension or a token status list.
    /// @param size Number of entries.
    event ListCreated(bytes32 indexed listId, address indexed owner, Purpose purpose, uint32 size);

    /// @notice Entries of a list changed.
    /// @param listId The list.
    /// @param version The list's version after this update (1 for the first).
    /// @param previousUpdateBlock Block of the previous update of this list (its creation block for the first).
    /// @param set Indexes whose bit is now 1 (revoked / suspended).
    /// @param cleared Indexes whose bit is now 0 (reinstated).
    /// @param commitment keccak256 of the whole uncompressed bitstring after this update.
    event StatusUpdated(
        bytes32 indexed listId,
        uint64 version,
        uint64 previousUpdateBlock,
        uint32[] set,
        uint32[] cleared,
        bytes32 commitment
    );

    /// @notice An owner added or removed a delegate.
    /// @param owner The owner.
    /// @param delegate The delegate.
    /// @param allowed Whether the delegate may now write the owner's lists.
    event DelegateChanged(address indexed owner, address indexed delegate, bool allowed);

    /// @notice The list id is taken.
    /// @param listId The list.
    error ListExists(bytes32 listId);

    /// @notice No list has this id.
    /// @param listId The list.
    error UnknownList(bytes32 listId);

    /// @notice The caller is neither the list's owner nor one of its delegates.
    /// @param listId The list.
    /// @param caller The account that tried to write.
    error NotListOwner(bytes32 listId, address caller);

    /// @notice The caller may not create lists for this owner (it is not one of its delegates).
    /// @param owner The account the list would belong to.
    /// @param caller The account that tried.
    error NotDelegate(address owner, address caller);

    /// @notice The delegation was not signed by the owner (or was signed for another nonce or contract).
    /// @param owner The account that should have signed.
    error InvalidSignature(address owner);

    /// @notice The signed delegation is past its deadline.
    /// @param deadline The deadline it carried (unix seconds).
    error SignatureExpired(uint256 deadline);

    /// @notice A list must have at least MIN_SIZE entries.
    /// @param size The size asked for.
    error ListTooSmall(uint32 size);

    /// @notice An index is outside the list.
    /// @param listId The list.
    /// @param index The index.
    error IndexOutOfRange(bytes32 listId, uint32 index);

    /// @notice The update was computed against another version of the list (a concurrent writer).
    /// @param listId The list.
    /// @param expected The version the caller based its update on.
    /// @param actual The list's current version.
    error StaleVersion(bytes32 listId, uint64 expected, uint64 actual);

    /// @notice Create a list owned by the caller.
    /// @dev Storing the empty list's commitment now makes every later update rewrite a non-zero slot
    /// (~2.9k gas) instead of filling a zero one (~20k) on the first.
    /// @param listId An id not used before.
    /// @param purpose Revocation, suspension or a token status list.
    /// @param size Number of entries, at least MIN_SIZE.
    /// @param emptyCommitment keccak256 of `size` zero bits (size / 8 zero bytes).
    function createList(bytes32 listId, Purpose purpose, uint32 size, bytes32 emptyCommitment) external {
        _create(msg.sender, listId, purpose, size, emptyCommitment);
    }

    /// @notice Create a list owned by `owner`, as one of its delegates: the owner (an institution's own
    /// account, the one IssuerRegistry binds to its DID) needs no ether, the delegate pays the gas.
    /// @param owner The account the list belongs to.
    /// @param listId An id not used before.
    /// @param purpose Revocation, suspension or a token status list.
    /// @param size Number of entries, at least MIN_SIZE.
    /// @param emptyCommitment keccak256 of `size` zero bits.
    function createListFor(address owner, bytes32 listId, Purpose purpose, uint32 size, bytes32 emptyCommitment)
        external
    {
        if (msg.sender != owner && !delegates[owner][msg.sender]) revert NotDelegate(owner, msg.sender);
        _create(owner, listId, purpose, size, emptyCommitment);
    }

    function _create(address owner, bytes32 listId, Purpose purpose, uint32 size, bytes32 emptyCommitment)
        private
    {
        if (lists[listId].owner != address(0)) revert ListExists(listId);
        if (size < MIN_SIZE) revert ListTooSmall(size);
        lists[listId] = StatusList({
            owner: owner,
            purpose: purpose,
            size: size,
            createdBlock: uint64(block.number),
            lastUpdateBlock: uint64(block.number),
            version: 0,
            commitment: emptyCommitment
        });
        emit ListCreated(listId, owner, purpose, size);
    }

    /// @notice Let another account write the caller's lists, or stop it.
    /// @param delegate The account.
    /// @param allowed True to allow, false to revoke.
    function setDelegate(address delegate, bool allowed) external {
        delegates[msg.sender][delegate] = allowed;
        emit DelegateChanged(msg.sender, delegate, allowed);
    }

    /// @notice The same, on the owner's EIP-712 signature, sent by anyone (the delegate pays the gas).
    /// @param owner The account that signed.
    /// @param delegate The account.
    /// @param allowed True to allow, false to revoke.
    /// @param deadline The signature is refused after this moment (unix seconds).
    /// @param v Signature recovery id (27 or 28).
    /// @param r Signature r.
    /// @param s Signature s (lower half of the curve order).
    function setDelegateBySig(
        address owner,
        address delegate,
        bool allowed,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                domainSeparator(),
                keccak256(abi.encode(DELEGATION_TYPEHASH, owner, delegate, allowed, nonces[owner], deadline))
            )
        );
        if (uint256(s) > _HALF_ORDER || (v != 27 && v != 28)) revert InvalidSignature(owner);
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != owner) revert InvalidSignature(owner);
        nonces[owner] += 1;
        delegates[owner][delegate] = allowed;
        emit DelegateChanged(owner, delegate, allowed);
    }

    /// @notice The EIP-712 domain of this registry on this chain.
    /// @return The domain separator.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(_DOMAIN_TYPEHASH, keccak256("StatusRegistry"), keccak256("1"), block.chainid, address(this))
        );
    }

    /// @notice Set and clear many entries of one list in one transaction.
    /// @param listId The list.
    /// @param baseVersion The version the update was computed against (guards against lost updates).
    /// @param set Indexes to set to 1.
    /// @param cleared Indexes to set to 0.
    /// @param commitment keccak256 of the whole uncompressed bitstring after the update.
    function update(
        bytes32 listId,
        uint64 baseVersion,
        uint32[] calldata set,
        uint32[] calldata cleared,
        bytes32 commitment
    ) external {
        StatusList storage list = lists[listId];
        address owner = list.owner;
        if (owner == address(0)) revert UnknownList(listId);
        if (msg.sender != owner && !delegates[owner][msg.sender]) revert NotListOwner(listId, msg.sender);
        if (list.version != baseVersion) revert StaleVersion(listId, baseVersion, list.version);
        uint32 size = list.size;
        for (uint256 i = 0; i < set.length; ++i) {
            if (set[i] >= size) revert IndexOutOfRange(listId, set[i]);
        }
        for (uint256 i = 0; i < cleared.length; ++i) {
            if (cleared[i] >= size) revert IndexOutOfRange(listId, cleared[i]);
        }
        uint64 previous = list.lastUpdateBlock;
        uint64 version = baseVersion + 1;
        list.version = version;
        list.lastUpdateBlock = uint64(block.number);
        list.commitment = commitment;
        emit StatusUpdated(listId, version, previous, set, cleared, commitment);
    }
}
