// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Errors of a resident-card minter (campaigns, allowlists, vouchers)
/// @dev Named after ERC-6093: contract prefix, and the values that failed.
interface IResidentMinterErrors {
    /// @dev Raised when `campaignId` was never created (ids start at 1).
    /// @param campaignId The requested campaign.
    error ResidentMinterUnknownCampaign(uint256 campaignId);

    /// @dev Raised when a claim comes before the campaign's `start`.
    /// @param campaignId The campaign.
    /// @param start When it opens (unix seconds).
    /// @param currentTime The block's timestamp.
    error ResidentMinterCampaignNotStarted(uint256 campaignId, uint256 start, uint256 currentTime);

    /// @dev Raised when a claim comes at or after the campaign's `end`.
    /// @param campaignId The campaign.
    /// @param end When it ended (unix seconds).
    /// @param currentTime The block's timestamp.
    error ResidentMinterCampaignEnded(uint256 campaignId, uint256 end, uint256 currentTime);

    /// @dev Raised when a claim is made while the admin has paused the campaign.
    /// @param campaignId The campaign.
    error ResidentMinterCampaignPaused(uint256 campaignId);

    /// @dev Raised when a closed campaign would be claimed from, updated, paused or closed again; closing is final.
    /// @param campaignId The campaign.
    error ResidentMinterCampaignClosed(uint256 campaignId);

    /// @dev Raised when `quantity` cards would pass the campaign's supply; `remaining` are left.
    /// @param campaignId The campaign.
    /// @param quantity Cards requested.
    /// @param remaining Cards the campaign can still issue.
    error ResidentMinterSoldOut(uint256 campaignId, uint256 quantity, uint256 remaining);

    /// @dev Raised when `wallet` would have claimed `claimed` cards in the campaign, more than `limit`.
    /// @param wallet The receiving wallet.
    /// @param claimed Cards it would have claimed in this campaign, this claim included.
    /// @param limit Its limit (the campaign's, or its allowlist entry's).
    error ResidentMinterWalletLimitExceeded(address wallet, uint256 claimed, uint256 limit);

    /// @dev Raised when a claim asks for `quantity` cards: at least one is needed.
    /// @param quantity The requested quantity.
    error ResidentMinterInvalidQuantity(uint256 quantity);

    /// @dev Raised when the Merkle proof does not prove the leaf (`wallet`, price, limit) under the campaign's root:
    /// the wallet is not on the allowlist, the proof is for another address, or the price or limit is not its own.
    /// @param campaignId The campaign.
    /// @param wallet The claiming wallet.
    error ResidentMinterInvalidProof(uint256 campaignId, address wallet);

    /// @dev Raised when the payment `paid` is below the `price` due.
    /// @param price What the cards cost in total (wei).
    /// @param paid The value sent.
    error ResidentMinterWrongPayment(uint256 price, uint256 paid);

    /// @dev Raised when an open claim is made in a voucher campaign (use `claimWithVoucher`).
    /// @param campaignId The campaign.
    error ResidentMinterVoucherRequired(uint256 campaignId);

    /// @dev Raised when a voucher names a campaign that is not in voucher mode.
    /// @param campaignId The campaign.
    error ResidentMinterNotVoucherCampaign(uint256 campaignId);

    /// @dev Raised when a voucher's signature recovers to `recovered`, which lacks VOUCHER_SIGNER_ROLE.
    /// A voucher signed by someone else, a voucher for another chain or another minter contract (EIP-712
    /// domain) and a voucher whose fields were altered all recover to an unexpected address. A malformed
    /// signature raises OpenZeppelin's `ECDSAInvalidSignature` / `ECDSAInvalidSignatureLength` instead.
    /// @param recovered The address the signature recovers to.
    error ResidentMinterVoucherSignerNotAuthorised(address recovered);

    /// @dev Raised when a voucher is used after its `deadline`.
    /// @param deadline The last second it could be used (unix seconds).
    /// @param currentTime The block's timestamp.
    error ResidentMinterVoucherExpired(uint256 deadline, uint256 currentTime);

    /// @dev Raised when the very voucher with EIP-712 digest `digest` was already redeemed.
    /// @param digest The voucher's EIP-712 digest.
    error ResidentMinterVoucherReplayed(bytes32 digest);

    /// @dev Raised when identity `nullifier` already claimed a card of this collection with another voucher.
    /// @param nullifier The salted identity hash.
    error ResidentMinterNullifierUsed(bytes32 nullifier);

    /// @dev Raised when a sponsored claim request is sent after its `deadline`.
    /// @param deadline The last second it could be used (unix seconds).
    /// @param currentTime The block's timestamp.
    error ResidentMinterClaimRequestExpired(uint256 deadline, uint256 currentTime);

    /// @dev Raised when a claim request's signature is no valid signature at all: malformed, or refused by
    /// the recipient's contract wallet (ERC-1271).
    /// @param recipient The request's recipient.
    error ResidentMinterClaimRequestInvalidSignature(address recipient);

    /// @dev Raised when a claim request's signature is by `signer`, not by its `recipient`: a request for
    /// another recipient (or a request altered after signing, for another chain or another minter).
    /// @param recipient The request's recipient.
    /// @param signer The address the signature recovers to.
    error ResidentMinterClaimRequestWrongSigner(address recipient, address signer);

    /// @dev Raised when a claim request was already used: its `nonce` (the recipient's claimed count in the
    /// campaign when signing) is no longer the recipient's `claimed` count.
    /// @param recipient The request's recipient.
    /// @param nonce The request's nonce.
    /// @param claimed Cards the recipient has claimed in the campaign now.
    error ResidentMinterClaimRequestReplayed(address recipient, uint256 nonce, uint256 claimed);

    /// @dev Raised on create/update when `start` is not before `end`, `end` is not in the future,
    /// or a time does not fit 32 bits.
    error ResidentMinterInvalidWindow(uint256 start, uint256 end);

    /// @dev Raised on create/update when `price` exceeds the 80 bits stored (1,208,925 tokens).
    error ResidentMinterInvalidPrice(uint256 price);

    /// @dev Raised on create/update when `supply` is 0, above 16,777,215, or below the `claimed` cards.
    error ResidentMinterInvalidSupply(uint256 supply, uint256 claimed);

    /// @dev Raised on create/update when the per-wallet limit is 0 or above 65535.
    error ResidentMinterInvalidWalletLimit(uint256 limit);

    /// @dev Raised on create/update when `tier` is above the collection's `maxTier`.
    error ResidentMinterInvalidTier(uint256 tier, uint256 maxTier);

    /// @dev Raised on create/update when both a validity period and a fixed expiry are given, the
    /// fixed expiry is not after the campaign's `end`, or a value does not fit 32 bits.
    error ResidentMinterInvalidValidity(uint256 validFor, uint256 expiresAt);

    /// @dev Raised when the constructor is given the zero address as card or admin.
    error ResidentMinterInvalidAddress(address account);

    /// @dev Raised when a claim or withdrawal is re-entered from a refund, a withdrawal or a card receiver.
    error ResidentMinterReentrantCall();

    /// @dev Raised when a withdrawal finds nothing to withdraw.
    error ResidentMinterNothingToWithdraw();
}

/// @title Campaigns that issue a municipality's resident cards
interface IResidentMinter is IResidentMinterErrors {
    /// @dev A campaign's settings as the admin gives them. Whole uint256 values so that a bad value
    /// meets a named error instead of a silent ABI decoding failure; stored packed.
    struct Campaign {
        uint256 start; // unix seconds, inclusive
        uint256 end; // unix seconds, exclusive
        uint256 price; // wei per card in the native token; 0 = free claim
        uint256 supply; // most cards the campaign issues
        uint256 maxPerWallet; // most cards one wallet claims in this campaign
        uint256 tier; // tier of the cards it issues (in voucher mode each voucher names its own)
        uint256 validFor; // cards expire this many seconds after their claim; 0 = see expiresAt
        uint256 expiresAt; // fixed expiry of its cards; 0 with validFor 0 = never expire
        bytes32 allowlistRoot; // OpenZeppelin StandardMerkleTree root of (address,uint256,uint256); 0 = open
        bool voucher; // claims only with a voucher signed by a VOUCHER_SIGNER_ROLE account
        bool paused; // claims refused until unpaused
    }

    /// @dev An EIP-712 voucher: the municipality's issuer key allows `recipient` one card.
    struct Voucher {
        address recipient; // the wallet that receives the card
        uint256 campaignId;
        uint256 tier; // tier of the card
        uint256 expiresAt; // expiry of the card (unix seconds; 0 = never)
        bytes32 nullifier; // salted hash of the verified identity; 0 = no identity bound
        uint256 price; // wei to pay on chain (0 after an off-chain, fiat payment)
        uint256 deadline; // last second the voucher can be used
    }

    /// @dev An EIP-712 claim request: `recipient` asks for a claim sent (and paid) by someone else.
    struct ClaimRequest {
        address recipient; // the signer, who receives the cards
        uint256 campaignId; // an open or allowlist campaign
        uint256 quantity;
        uint256 allowPrice; // as {claim} takes them (allowlist campaigns); ignored in open ones
        uint256 allowMax;
        uint256 nonce; // claimedBy(campaignId, recipient) when signing: makes the request single-use
        uint256 deadline; // last second the request can be used
    }

    /// @dev Emitted when campaign `campaignId` is created with `campaign`'s settings.
    event CampaignCreated(uint256 indexed campaignId, Campaign settings);

    /// @dev Emitted when campaign `campaignId`'s settings change (pausing included).
    event CampaignUpdated(uint256 indexed campaignId, Campaign settings);

    /// @dev Emitted when campaign `campaignId` is closed for good at `closedAt`.
    event CampaignClosed(uint256 indexed campaignId, uint256 closedAt);

    /// @dev Emitted per claim: `quantity` cards from `firstTokenId` to `recipient`, `paid` wei kept
    /// (the excess refunded). `key` is the voucher's nullifier (or its digest when it has none); 0 for
    /// open and allowlist claims.
    event Claimed(
        uint256 indexed campaignId,
        address indexed recipient,
        uint256 firstTokenId,
        uint256 quantity,
        uint256 paid,
        bytes32 indexed key
    );

    /// @dev Emitted when `by` withdraws `amount` wei of proceeds to `treasury`.
    event Withdrawn(address indexed treasury, uint256 amount, address indexed by);

    /// @notice Creates a campaign; returns its id (1, 2, ...).
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; valid settings (see the InvalidX errors).
    /// Emits {CampaignCreated}.
    function createCampaign(Campaign calldata settings) external returns (uint256 campaignId);

    /// @notice Replaces the settings of campaign `campaignId`.
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; the campaign exists and is not closed; valid
    /// settings; supply not below the cards already claimed. Emits {CampaignUpdated}.
    function updateCampaign(uint256 campaignId, Campaign calldata settings) external;

    /// @notice Pauses or resumes campaign `campaignId` (an emergency stop that leaves the other settings).
    /// @dev Requirements: as {updateCampaign}. Emits {CampaignUpdated}.
    function setCampaignPaused(uint256 campaignId, bool isPaused) external;

    /// @notice Ends campaign `campaignId` now, for good: no more claims, no more updates.
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; the campaign exists and is not closed.
    /// Emits {CampaignClosed}.
    function closeCampaign(uint256 campaignId) external;

    /// @notice Claims `quantity` cards for the caller in an open or allowlist campaign, paying `price * quantity`.
    /// @dev In an allowlist campaign, `proof` proves the leaf (caller, `allowPrice`, `allowMax`);
    /// `allowPrice` type(uint256).max means the campaign price and `allowMax` 0 the campaign's wallet limit.
    /// In an open campaign `proof`, `allowPrice` and `allowMax` are ignored. Excess payment is refunded.
    /// Emits {Claimed} and the card's issuing events.
    /// @return firstTokenId The first card; the others follow it.
    function claim(uint256 campaignId, uint256 quantity, bytes32[] calldata proof, uint256 allowPrice, uint256 allowMax)
        external
        payable
        returns (uint256 firstTokenId);

    /// @notice Redeems a voucher signed by a VOUCHER_SIGNER_ROLE account: one card to `voucher.recipient`,
    /// with the voucher's tier and expiry, paying `voucher.price`. Anyone may submit it (staff, a relayer).
    /// @dev The campaign's window, pause, supply and wallet limit (counted for the recipient) apply; its price,
    /// tier and validity do not: the signer decided them (the backend takes them from the campaign by default).
    /// A voucher is single-use, and a non-zero nullifier claims once per collection, predecessors included.
    /// Emits {Claimed} and the card's issuing events.
    /// @return tokenId The card.
    function claimWithVoucher(Voucher calldata voucher, bytes calldata signature)
        external
        payable
        returns (uint256 tokenId);

    /// @notice A sponsored claim: the cards of {claim} go to `request.recipient`, who signed `request`
    /// (EOA or ERC-1271 contract wallet); the sender pays the gas and any price. Anyone may send it.
    /// @dev `proof` proves the recipient's allowlist leaf, as in {claim}. Refused when expired, not signed by
    /// the recipient, or already used (the recipient's claimed count is no longer `request.nonce`).
    /// Emits {Claimed} and the card's issuing events.
    function claimFor(ClaimRequest calldata request, bytes calldata signature, bytes32[] calldata proof)
        external
        payable
        returns (uint256 firstTokenId);

    /// @notice The EIP-712 digest a recipient signs for `request`.
    function claimRequestDigest(ClaimRequest calldata request) external view returns (bytes32);

    /// @notice Sends all proceeds to `treasury`.
    /// @dev Requirements: caller has DEFAULT_ADMIN_ROLE; a balance to send. Emits {Withdrawn}.
    function withdraw(address payable treasury) external;

    /// @notice The settings of campaign `campaignId`, the cards claimed in it and whether it is closed.
    function campaign(uint256 campaignId)
        external
        view
        returns (Campaign memory settings, uint256 claimed, bool closed);

    /// @notice Number of campaigns ever created (the last id).
    function campaignCount() external view returns (uint256);

    /// @notice Ids of the campaigns that accept claims now: started, not ended, not paused, not sold out.
    function activeCampaignIds() external view returns (uint256[] memory ids);

    /// @notice Cards campaign `campaignId` can still issue.
    function remaining(uint256 campaignId) external view returns (uint256);

    /// @notice Cards `wallet` has claimed in campaign `campaignId`.
    function claimedBy(uint256 campaignId, address wallet) external view returns (uint256);

    /// @notice Whether identity `nullifier` (or a voucher digest without nullifier) has claimed, here or in a
    /// predecessor minter of the collection.
    function nullifierUsed(bytes32 nullifier) external view returns (bool);

    /// @notice The EIP-712 digest a signer signs for `voucher`.
    function voucherDigest(Voucher calldata voucher) external view returns (bytes32);
}
