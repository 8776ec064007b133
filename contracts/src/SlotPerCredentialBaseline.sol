// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title SlotPerCredentialBaseline
/// @notice Benchmark baseline only, never deployed for use: ERC-5539's layout, one storage slot per
/// credential (owner → list → key → revoked), with a batch setter. bench/gas.py measures it beside
/// StatusRegistry in the same run.
contract SlotPerCredentialBaseline {
    /// @notice Revocation flags by owner, list and key.
    mapping(address owner => mapping(bytes32 list => mapping(bytes32 key => bool))) public revoked;

    /// @notice A key's status changed.
    /// @param owner The list's owner.
    /// @param list The list.
    /// @param key The credential's key.
    /// @param status The new status.
    event StatusChanged(address indexed owner, bytes32 indexed list, bytes32 indexed key, bool status);

    /// @notice Set many keys of one of the caller's lists.
    /// @param list The list.
    /// @param keys The credentials' keys.
    /// @param status The status to set.
    function changeStatuses(bytes32 list, bytes32[] calldata keys, bool status) external {
        for (uint256 i = 0; i < keys.length; ++i) {
            revoked[msg.sender][list][keys[i]] = status;
            emit StatusChanged(msg.sender, list, keys[i], status);
        }
    }
}
