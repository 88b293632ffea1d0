// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Errors of a resident-card collection
/// @dev Named after ERC-6093: contract prefix, and the values that failed.
/// A refused receiver (the zero address, or a contract that does not accept
/// ERC-721 tokens) raises ERC-6093's own `ERC721InvalidReceiver(address)`, the
/// name wallets already decode.
interface IResidentCardErrors {
    /// @dev Raised when `tokenId` is locked (soulbound) and the call would move or approve it.
    /// @param tokenId The locked card.
    error ResidentCardLocked(uint256 tokenId);

    /// @dev Raised when `tokenId` does not exist (never issued, revoked, opted out or re-issued).
    /// @param tokenId The missing card.
    error ResidentCardNonexistent(uint256 tokenId);

    /// @dev Raised when `wallet` would hold `balance` cards, more than the collection's `cap`.
    /// @param wallet The receiving wallet.
    /// @param balance The number of cards it would hold.
    /// @param cap The collection's maximum per wallet.
    error ResidentCardWalletCapExceeded(address wallet, uint256 balance, uint256 cap);

    /// @dev Raised when a card is re-issued to `receiver`, which already holds `balance` cards.
    /// @param receiver The new wallet of the resident.
    /// @param balance Cards it already holds.
    error ResidentCardReceiverHoldsCard(address receiver, uint256 balance);

    /// @dev Raised when `caller` is neither the holder of `tokenId` nor approved for it.
    /// @param caller The account that called.
    /// @param tokenId The card.
    /// @param holder The card's holder.
    error ResidentCardNotAuthorized(address caller, uint256 tokenId, address holder);

    /// @dev Raised when a transfer names `from` but `tokenId` is held by `holder`.
    /// @param from The holder the caller named.
    /// @param tokenId The card.
    /// @param holder The actual holder.
    error ResidentCardIncorrectHolder(address from, uint256 tokenId, address holder);

    /// @dev Raised when `expiresAt` is not zero (never expires) and not after `currentTime`.
    /// @param expiresAt The requested expiry (unix seconds).
    /// @param currentTime The block's timestamp.
    error ResidentCardExpiryInPast(uint256 expiresAt, uint256 currentTime);

    /// @dev Raised when `expiresAt` does not fit the stored 32-bit time (after year 2106).
    /// @param expiresAt The requested expiry.
    /// @param latest The latest storable expiry.
    error ResidentCardExpiryTooLate(uint256 expiresAt, uint256 latest);

    /// @dev Raised when `tier` is above the collection's highest tier `maxTier`.
    /// @param tier The requested tier.
    /// @param maxTier The highest tier the collection defines.
    error ResidentCardInvalidTier(uint256 tier, uint256 maxTier);

    /// @dev Raised when the collection's highest tier would be set to `maxTier`,
    /// above the 127 the card's storage holds.
    /// @param maxTier The requested highest tier.
    error ResidentCardInvalidMaxTier(uint256 maxTier);

    /// @dev Raised when the per-wallet maximum would be set to `cap` (must be 1 to 65535).
    /// @param cap The requested maximum.
    error ResidentCardInvalidWalletCap(uint256 cap);

    /// @dev Raised when the admin would be the zero address at deployment.
    /// @param admin The requested admin.
    error ResidentCardInvalidAdmin(address admin);

    /// @dev Raised when a batch issue is given no receivers.
    error ResidentCardEmptyBatch();

    /// @dev Raised when issuing would pass the `limit` of resident numbers or token ids.
    /// @param limit The largest number the collection can assign.
    error ResidentCardNumbersExhausted(uint256 limit);

    /// @dev Raised when cards would be issued, moved, burnt or changed while the collection is paused.
    error ResidentCardPaused();

    /// @dev Raised when `unpause` is called while the collection is not paused.
    error ResidentCardNotPaused();

    /// @dev Raised when a transfer or an approval comes with native tokens (Solady's ERC-721 functions are
    /// payable; a card has no price, and what it received could never leave the contract).
    /// @param value The wei sent.
    error ResidentCardNativeTokenRefused(uint256 value);
}

/// @title Events of a resident-card collection
/// @dev ERC-721 `Transfer`, ERC-5192 `Locked`/`Unlocked` and ERC-4906
/// `MetadataUpdate` are emitted too; these add what those do not say.
interface IResidentCardEvents {
    /// @dev Emitted once per issuing call: `count` cards with consecutive ids from
    /// `firstTokenId` and consecutive resident numbers from `firstResidentNumber`.
    event CardsIssued(
        uint256 indexed firstTokenId,
        uint256 count,
        uint256 firstResidentNumber,
        uint256 tier,
        uint256 expiresAt,
        bool locked
    );

    /// @dev Emitted when card `oldTokenId` was burnt and `newTokenId` issued to
    /// `newHolder` with the same resident number and data (a lost wallet).
    event CardReissued(
        uint256 indexed oldTokenId,
        uint256 indexed newTokenId,
        uint256 indexed residentNumber,
        address previousHolder,
        address newHolder
    );

    /// @dev Emitted when an issuer revokes `tokenId` (the resident left).
    event CardRevoked(uint256 indexed tokenId, uint256 indexed residentNumber, address holder, address issuer);

    /// @dev Emitted when the holder burns their own card `tokenId`.
    event CardOptedOut(uint256 indexed tokenId, uint256 indexed residentNumber, address holder);

    /// @dev Emitted when the tier of `tokenId` changes.
    event TierChanged(uint256 indexed tokenId, uint256 previousTier, uint256 newTier);

    /// @dev Emitted when the expiry of `tokenId` changes (0 = never).
    event ExpiryChanged(uint256 indexed tokenId, uint256 previousExpiresAt, uint256 newExpiresAt);

    /// @dev Emitted when the base of every token URI changes.
    event BaseURIChanged(string baseURI);

    /// @dev Emitted when the per-wallet maximum changes.
    event WalletCapChanged(uint256 previousCap, uint256 newCap);

    /// @dev Emitted when the collection's highest tier changes.
    event MaxTierChanged(uint256 previousMaxTier, uint256 newMaxTier);

    /// @dev Emitted when the default royalty changes.
    event RoyaltyChanged(address indexed receiver, uint256 feeBasisPoints);

    /// @dev Emitted when `account` pauses issuing, transfers, burns and data changes.
    event Paused(address account);

    /// @dev Emitted when `account` lifts the pause.
    event Unpaused(address account);

    /// @dev Emitted when the collection's minter moves from `previousMinter` to `newMinter` (either may be
    /// zero): from then on the new one holds ISSUER_ROLE and the previous one does not.
    event MinterChanged(address indexed previousMinter, address indexed newMinter);
}

/// @title A municipality's collection of digital resident cards
interface IResidentCard is IResidentCardErrors, IResidentCardEvents {
    /// @dev What a card records. No personal data: a number, a tier and dates.
    struct Card {
        uint256 residentNumber; // sequential in the collection; kept on re-issue
        uint256 tier; // 0 = basic, 1 = premium, higher values as the collection defines
        bool locked; // soulbound (ERC-5192)
        uint256 issuedAt; // unix seconds; kept on re-issue
        uint256 expiresAt; // unix seconds; 0 = never
    }

    /// @notice Issues one card to `to`, with the collection's transfer policy.
    /// @dev Requirements: caller has ISSUER_ROLE; not paused; `to` is not the zero
    /// address and, if a contract, accepts ERC-721 tokens; `to` stays within the
    /// wallet cap; `tier` <= `maxTier()`; `expiresAt` is 0 or in the future.
    /// Emits {Transfer}, {Locked} or {Unlocked}, and {CardsIssued}.
    /// @return tokenId The new card.
    function issue(address to, uint256 tier, uint256 expiresAt) external returns (uint256 tokenId);

    /// @notice Issues one card to `to`, locked or tradable regardless of the collection's policy.
    /// @dev As {issue}, with `locked` chosen for this card.
    /// @return tokenId The new card.
    function issueWithPolicy(address to, uint256 tier, uint256 expiresAt, bool locked)
        external
        returns (uint256 tokenId);

    /// @notice Issues one card to each address of `to` in one transaction (an airdrop).
    /// @dev As {issue} for every receiver, except that contract receivers are NOT asked
    /// `onERC721Received`: an airdrop list is the municipality's own and one refusing
    /// contract must not sink the batch. Token ids and resident numbers are consecutive.
    /// Emits {Transfer} and {Locked}/{Unlocked} per card, and one {CardsIssued}.
    /// @return firstTokenId The id of the first card; the others follow it.
    function issueBatch(address[] calldata to, uint256 tier, uint256 expiresAt)
        external
        returns (uint256 firstTokenId);

    /// @notice Burns `tokenId` because the resident left or the card was issued in error.
    /// @dev Requirements: caller has ISSUER_ROLE; not paused; the card exists.
    /// Emits {Transfer} and {CardRevoked}.
    function revoke(uint256 tokenId) external;

    /// @notice Burns your own card `tokenId`: you stop being a resident of this collection.
    /// @dev Requirements: caller holds the card; not paused. Locked cards may be burnt.
    /// Emits {Transfer} and {CardOptedOut}.
    function optOut(uint256 tokenId) external;

    /// @notice Replaces `oldTokenId` (a lost wallet) with a new card for `to` with the same
    /// resident number, tier, issue date, expiry and lock.
    /// @dev Requirements: caller has ISSUER_ROLE; not paused; the old card exists; `to`
    /// holds no card of this collection and, if a contract, accepts ERC-721 tokens.
    /// Emits {Transfer} twice, {Locked} or {Unlocked}, and {CardReissued}.
    /// @return newTokenId The replacement card.
    function reissue(uint256 oldTokenId, address to) external returns (uint256 newTokenId);

    /// @notice Changes the tier of `tokenId`.
    /// @dev Requirements: caller has ISSUER_ROLE; not paused; the card exists; `tier` <= `maxTier()`.
    /// Emits {TierChanged} and {MetadataUpdate}.
    function setTier(uint256 tokenId, uint256 tier) external;

    /// @notice Changes the expiry of `tokenId` (0 = never).
    /// @dev Requirements: caller has ISSUER_ROLE; not paused; the card exists; `expiresAt`
    /// is 0 or in the future. Emits {ExpiryChanged} and {MetadataUpdate}.
    function setExpiry(uint256 tokenId, uint256 expiresAt) external;

    /// @notice Locks (soulbinds) or unlocks `tokenId`.
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; not paused; the card exists.
    /// Emits {Locked} or {Unlocked} and {MetadataUpdate} when the status changes.
    function setLocked(uint256 tokenId, bool isLocked) external;

    /// @notice Sets the base of every token URI (`baseURI` + token id).
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE. Emits {BaseURIChanged} and {BatchMetadataUpdate}.
    function setBaseURI(string calldata baseURI) external;

    /// @notice Sets the most cards one wallet may hold (1 to 65535).
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE. Cards already held above a lowered
    /// cap stay, but their wallet receives no more. Emits {WalletCapChanged}.
    function setMaxCardsPerWallet(uint256 cap) external;

    /// @notice Sets the highest tier cards may have (at most 127).
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE. Emits {MaxTierChanged}.
    function setMaxTier(uint256 newMaxTier) external;

    /// @notice Sets the ERC-2981 royalty paid to `receiver` on secondary sales of tradable cards.
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; `feeBasisPoints` <= 10000; `receiver`
    /// is not the zero address. Emits {RoyaltyChanged}.
    function setDefaultRoyalty(address receiver, uint96 feeBasisPoints) external;

    /// @notice Makes `newMinter` the collection's minter (the campaign contract, see ResidentMinter), or retires
    /// the minter with the zero address: grants `newMinter` ISSUER_ROLE and revokes the previous minter's in
    /// the same call, so two minters never both issue (one would not know the other's used nullifiers).
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE. Emits {RoleRevoked} for the previous minter,
    /// {RoleGranted} for the new one and {MinterChanged}; nothing when `newMinter` is the minter already.
    /// A minter that loses ISSUER_ROLE any other way (revokeRole, renounceRole) stops being the minter
    /// ({MinterChanged} to zero). Other holders of ISSUER_ROLE (the municipality's keys) are untouched.
    function setMinter(address newMinter) external;

    /// @notice The collection's minter, which holds ISSUER_ROLE; zero if there is none.
    function minter() external view returns (address);

    /// @notice Stops issuing, transfers, burns and card data changes.
    /// @dev Requirements: caller has PAUSER_ROLE; not paused. Emits {Paused}.
    function pause() external;

    /// @notice Lifts the pause.
    /// @dev Requirements: caller has PAUSER_ROLE; paused. Emits {Unpaused}.
    function unpause() external;

    /// @notice The data of card `tokenId`. Reverts if the card does not exist.
    function cardOf(uint256 tokenId) external view returns (Card memory);

    /// @notice Whether `tokenId` exists and has not expired.
    function isValid(uint256 tokenId) external view returns (bool);

    /// @notice Number of cards in existence.
    function totalSupply() external view returns (uint256);

    /// @notice Number of resident numbers ever assigned (the last one assigned).
    function residentCount() external view returns (uint256);

    /// @notice Whether cards are issued locked unless an issuer says otherwise.
    function soulbound() external view returns (bool);

    /// @notice The most cards one wallet may hold.
    function maxCardsPerWallet() external view returns (uint256);

    /// @notice The highest tier a card may have.
    function maxTier() external view returns (uint256);

    /// @notice Whether the collection is paused.
    function paused() external view returns (bool);

    /// @notice The municipality's name in Japanese (e.g. 美祢市).
    function municipalityNameJa() external view returns (string memory);

    /// @notice The municipality's name in English (e.g. Mine City).
    function municipalityNameEn() external view returns (string memory);
}
