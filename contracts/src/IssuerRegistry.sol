// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IssuerRegistry
/// @notice Which issuer DIDs an accreditation authority accredited, for which scope, from when until when.
/// @dev Records are never rewritten: de-accreditation stamps an end on the record, so the history answers
/// "was this DID accredited for this scope on that date?". Authorities are the registry's owner and the
/// accounts it delegates to (e.g. an awarding-body register's operators).
///
/// One rule (`isAccredited`, mirrored by every verifier): a credential's issuer is accredited when a record
/// covers its scope and its issuance moment lies in the record's window, unless the record was withdrawn for
/// cause (fraud, a failed audit): that voids everything the record ever covered. An ordinary withdrawal (the
/// body closed, merged, stopped offering the qualification) ends the record: credentials issued before it stay
/// accredited.
contract IssuerRegistry {
    struct Accreditation {
        address account;
        bytes32 scope;
        uint64 validFrom;
        uint64 validUntil;
        uint64 revokedAt;
        bool forCause;
        address authority;
    }

    /// @notice The scope that covers every other scope.
    bytes32 public constant ANY_SCOPE = bytes32(0);

    /// @notice The root authority: adds and removes authorities.
    address public immutable owner;

    /// @notice Accounts that may accredit and de-accredit.
    mapping(address account => bool) public authorities;

    /// @notice Accreditation records by keccak256 of the issuer DID, oldest first.
    mapping(bytes32 didHash => Accreditation[]) private _records;

    /// @notice An authority was added or removed.
    /// @param authority The account.
    /// @param allowed Whether it may now accredit.
    event AuthorityChanged(address indexed authority, bool allowed);

    /// @notice A DID was accredited.
    /// @param didHash keccak256 of the DID.
    /// @param did The DID.
    /// @param record Index of the record in the DID's history.
    /// @param account The chain account bound to the DID.
    /// @param scope What it is accredited for (ANY_SCOPE for everything).
    /// @param validFrom Start of validity (unix seconds).
    /// @param validUntil End of validity (unix seconds, exclusive).
    event Accredited(
        bytes32 indexed didHash,
        string did,
        uint256 record,
        address account,
        bytes32 indexed scope,
        uint64 validFrom,
        uint64 validUntil
    );

    /// @notice An accreditation was ended early.
    /// @param didHash keccak256 of the DID.
    /// @param record Index of the record in the DID's history.
    /// @param revokedAt When it ended (unix seconds).
    /// @param forCause Withdrawn for cause: it no longer vouches even for what was issued before.
    event Deaccredited(bytes32 indexed didHash, uint256 record, uint64 revokedAt, bool forCause);

    /// @notice The caller is not an authority.
    /// @param caller The account.
    error NotAuthority(address caller);

    /// @notice Only the owner may change authorities.
    /// @param caller The account.
    error NotOwner(address caller);

    /// @notice validUntil must come after validFrom.
    /// @param validFrom Start.
    /// @param validUntil End.
    error EmptyWindow(uint64 validFrom, uint64 validUntil);

    /// @notice No such record, or it has already ended.
    /// @param didHash keccak256 of the DID.
    /// @param record Index asked for.
    error NoActiveRecord(bytes32 didHash, uint256 record);

    constructor() {
        owner = msg.sender;
        authorities[msg.sender] = true;
        emit AuthorityChanged(msg.sender, true);
    }

    modifier onlyAuthority() {
        if (!authorities[msg.sender]) revert NotAuthority(msg.sender);
        _;
    }

    /// @notice Add or remove an authority (owner only).
    /// @param authority The account.
    /// @param allowed True to add, false to remove.
    function setAuthority(address authority, bool allowed) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        authorities[authority] = allowed;
        emit AuthorityChanged(authority, allowed);
    }

    /// @notice Accredit a DID for a scope and a validity window.
    /// @param did The issuer's DID.
    /// @param account The chain account bound to it (writes its status lists).
    /// @param scope What for (e.g. keccak256 of an IQR qualification code), or ANY_SCOPE.
    /// @param validFrom Start (unix seconds).
    /// @param validUntil End (unix seconds, exclusive).
    /// @return record Index of the new record in the DID's history.
    function accredit(string calldata did, address account, bytes32 scope, uint64 validFrom, uint64 validUntil)
        external
        onlyAuthority
        returns (uint256 record)
    {
        if (validUntil <= validFrom) revert EmptyWindow(validFrom, validUntil);
        bytes32 didHash = keccak256(bytes(did));
        record = _records[didHash].length;
        _records[didHash].push(
            Accreditation({
                account: account,
                scope: scope,
                validFrom: validFrom,
                validUntil: validUntil,
                revokedAt: 0,
                forCause: false,
                authority: msg.sender
            })
        );
        emit Accredited(didHash, did, record, account, scope, validFrom, validUntil);
    }

    /// @notice End an accreditation now (its history stays).
    /// @param did The issuer's DID.
    /// @param record Index of the record to end.
    /// @param forCause True to void what the record covered before too (see the contract's rule).
    function deaccredit(string calldata did, uint256 record, bool forCause) external onlyAuthority {
        bytes32 didHash = keccak256(bytes(did));
        Accreditation[] storage records = _records[didHash];
        if (record >= records.length || records[record].revokedAt != 0) revert NoActiveRecord(didHash, record);
        records[record].revokedAt = uint64(block.timestamp);
        records[record].forCause = forCause;
        emit Deaccredited(didHash, record, uint64(block.timestamp), forCause);
    }

    /// @notice Whether a credential the DID issued at the moment, for the scope, is accredited (the rule above).
    /// @param did The issuer's DID.
    /// @param scope The scope asked about; a record with ANY_SCOPE covers it.
    /// @param moment The moment (unix seconds), e.g. a credential's issuance date.
    /// @return True if some record covered that scope at that moment and was not withdrawn for cause.
    function isAccredited(string calldata did, bytes32 scope, uint64 moment) external view returns (bool) {
        Accreditation[] storage records = _records[keccak256(bytes(did))];
        for (uint256 i = 0; i < records.length; ++i) {
            Accreditation storage a = records[i];
            bool inScope = a.scope == ANY_SCOPE || a.scope == scope;
            bool inWindow = a.validFrom <= moment && moment < a.validUntil;
            bool standing = a.revokedAt == 0 || (!a.forCause && moment < a.revokedAt);
            if (inScope && inWindow && standing) return true;
        }
        return false;
    }

    /// @notice The DID's whole accreditation history, oldest first.
    /// @param did The issuer's DID.
    /// @return The records.
    function history(string calldata did) external view returns (Accreditation[] memory) {
        return _records[keccak256(bytes(did))];
    }
}
