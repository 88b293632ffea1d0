// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IResidentCard} from "./interfaces/IResidentCard.sol";
import {IResidentMinter} from "./interfaces/IResidentMinter.sol";

/// @title ResidentMinter: the campaigns through which residents claim one collection's cards
/// @notice Free claims, sales in the native token, Merkle allowlists with per-address price and limit,
/// and EIP-712 vouchers signed by the municipality (one person, one resident; fiat sales).
/// @dev Why a separate contract holding the card's ISSUER_ROLE rather than campaigns inside ResidentCard:
/// - the card contract stays small and keeps its audited, tested surface: it never holds money and never
///   learns about prices, allowlists or signatures;
/// - campaign rules can change by deploying a new minter and moving the role with the card's `setMinter`
///   (the old one's ISSUER_ROLE is revoked in the same transaction that grants the new one's), without
///   migrating a single card;
/// - payments are isolated: a bug in a sale can at worst lose this contract's proceeds, never a card.
/// One minter serves one collection (`card`). A successor minter names its `predecessor`, so that an identity
/// that claimed through the old minter cannot claim again through the new one; the other way round, the old
/// minter issues nothing once the role has moved.
///
/// Vouchers and replay: every voucher is single-use. With a nullifier, the nullifier itself is the key (one
/// card per identity per collection, whatever the voucher); without one (nullifier 0, e.g. a fiat sale to an
/// unverified buyer) the voucher's EIP-712 digest is the key. Either way one slot records the digest that
/// used the key, which tells a replay (same digest) from a second voucher for the same identity.
///
/// Storage: a campaign's settings and its claimed counter share one slot, so a claim reads and writes that
/// one slot, plus the wallet's counter; the allowlist root is read only by allowlist campaigns.
contract ResidentMinter is AccessControl, EIP712, IResidentMinter {
    /// @notice Role whose signatures make vouchers valid (the municipality's issuer key).
    bytes32 public constant VOUCHER_SIGNER_ROLE = keccak256("VOUCHER_SIGNER_ROLE");

    /// @notice EIP-712 type hash of {Voucher}.
    bytes32 public constant VOUCHER_TYPEHASH = keccak256(
        "Voucher(address recipient,uint256 campaignId,uint256 tier,uint256 expiresAt,bytes32 nullifier,uint256 price,uint256 deadline)"
    );

    /// @notice EIP-712 type hash of {ClaimRequest}.
    bytes32 public constant CLAIM_REQUEST_TYPEHASH = keccak256(
        "ClaimRequest(address recipient,uint256 campaignId,uint256 quantity,uint256 allowPrice,uint256 allowMax,uint256 nonce,uint256 deadline)"
    );

    /// @notice In an allowlist leaf, this price means "the campaign's price".
    uint256 public constant CAMPAIGN_PRICE = type(uint256).max;

    /// @notice The collection this minter issues cards of.
    IResidentCard public immutable card;

    /// @notice The collection's previous minter (zero if none), whose used nullifiers stay used here.
    IResidentMinter public immutable predecessor;

    uint256 private constant _VOUCHER = 1;
    uint256 private constant _PAUSED = 1 << 1;
    uint256 private constant _CLOSED = 1 << 2;
    uint256 private constant _ALLOWLIST = 1 << 3;
    uint256 private constant _FIXED_EXPIRY = 1 << 4;

    /// @dev A campaign in one slot (256 bits exactly).
    struct Stored {
        uint32 start;
        uint32 end; // 0 only for a campaign that does not exist
        uint80 price; // wei per card
        uint24 supply; // up to 16,777,215: the card's own resident-number limit
        uint24 claimed;
        uint16 maxPerWallet;
        uint8 tier;
        uint8 flags; // _VOUCHER | _PAUSED | _CLOSED | _ALLOWLIST | _FIXED_EXPIRY
        uint32 validity; // fixed expiry if _FIXED_EXPIRY, else seconds after the claim (0 = never)
    }

    /// @dev Re-entrancy lock in transient storage (EIP-1153): about 200 gas instead of a storage guard's
    /// thousands. OpenZeppelin's ReentrancyGuardTransient does the same, but through inline assembly that
    /// Slither 0.11 cannot analyse; a transient state variable it can.
    bool private transient _entered;

    uint256 private _campaignCount;
    mapping(uint256 campaignId => Stored) private _campaigns;
    mapping(uint256 campaignId => bytes32 root) private _allowlistRoots;
    mapping(uint256 campaignId => mapping(address wallet => uint256 cards)) private _claimed;
    mapping(bytes32 key => bytes32 digest) private _redeemed;

    /// @param card_ The collection; this minter needs its ISSUER_ROLE to issue.
    /// @param admin Gets DEFAULT_ADMIN_ROLE (campaigns, withdrawals, roles) and VOUCHER_SIGNER_ROLE.
    /// @param predecessor_ The collection's previous minter, or the zero address.
    constructor(IResidentCard card_, address admin, IResidentMinter predecessor_) EIP712("ResidentMinter", "1") {
        if (address(card_) == address(0)) revert ResidentMinterInvalidAddress(address(0));
        if (admin == address(0)) revert ResidentMinterInvalidAddress(address(0));
        card = card_;
        predecessor = predecessor_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(VOUCHER_SIGNER_ROLE, admin);
    }

    /// @dev Refuses a call made while a claim or a withdrawal is running (a refund, a withdrawal or a card
    /// receiver's callback re-entering). Every such function also follows checks-effects-interactions.
    modifier nonReentrant() {
        if (_entered) revert ResidentMinterReentrantCall();
        _entered = true;
        _;
        _entered = false;
    }

    // ------------------------------------------------------------------
    // Administration
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentMinter
    function createCampaign(Campaign calldata settings)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 campaignId)
    {
        Stored memory packed = _pack(settings, 0);
        campaignId = ++_campaignCount;
        _campaigns[campaignId] = packed;
        if (settings.allowlistRoot != 0) _allowlistRoots[campaignId] = settings.allowlistRoot;
        emit CampaignCreated(campaignId, settings);
    }

    /// @inheritdoc IResidentMinter
    function updateCampaign(uint256 campaignId, Campaign calldata settings) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Stored memory current = _notClosed(campaignId);
        _campaigns[campaignId] = _pack(settings, current.claimed);
        if (_allowlistRoots[campaignId] != settings.allowlistRoot) _allowlistRoots[campaignId] = settings.allowlistRoot;
        emit CampaignUpdated(campaignId, settings);
    }

    /// @inheritdoc IResidentMinter
    function setCampaignPaused(uint256 campaignId, bool isPaused) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Stored memory c = _notClosed(campaignId);
        c.flags = uint8(isPaused ? c.flags | _PAUSED : c.flags & ~_PAUSED);
        _campaigns[campaignId] = c;
        emit CampaignUpdated(campaignId, _unpack(campaignId, c));
    }

    /// @inheritdoc IResidentMinter
    function closeCampaign(uint256 campaignId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Stored memory c = _notClosed(campaignId);
        c.flags = uint8(c.flags | _CLOSED);
        _campaigns[campaignId] = c;
        emit CampaignClosed(campaignId, block.timestamp);
    }

    /// @inheritdoc IResidentMinter
    function withdraw(address payable treasury) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (treasury == address(0)) revert ResidentMinterInvalidAddress(address(0));
        uint256 amount = address(this).balance;
        if (amount != 0) {
            emit Withdrawn(treasury, amount, msg.sender);
            Address.sendValue(treasury, amount);
            return;
        }
        revert ResidentMinterNothingToWithdraw();
    }

    // ------------------------------------------------------------------
    // Claiming
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentMinter
    function claim(uint256 campaignId, uint256 quantity, bytes32[] calldata proof, uint256 allowPrice, uint256 allowMax)
        external
        payable
        nonReentrant
        returns (uint256 firstTokenId)
    {
        return _claimOpen(msg.sender, campaignId, quantity, proof, allowPrice, allowMax);
    }

    /// @inheritdoc IResidentMinter
    /// @dev Why anyone may send it rather than a RELAYER role: the card only ever goes to the request's
    /// recipient, who signed it for this chain and this minter (EIP-712 domain) until `deadline`, and the
    /// request is single-use; a sender can only pay the gas (and any price) for the resident. The
    /// municipality's relayer is who sends in practice; a role would cost a storage read per claim and
    /// stop the resident from sending their own request. Single use costs no storage of its own: `nonce` is
    /// the recipient's claimed count in the campaign, which the claim itself increments.
    function claimFor(
        ClaimRequest calldata request,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external payable nonReentrant returns (uint256 firstTokenId) {
        if (block.timestamp > request.deadline) {
            revert ResidentMinterClaimRequestExpired(request.deadline, block.timestamp);
        }
        address recipient = request.recipient;
        bytes32 digest = claimRequestDigest(request);
        if (!SignatureChecker.isValidSignatureNowCalldata(recipient, digest, signature)) {
            // Tell a readable signature by someone else (a request naming another recipient, or an altered
            // field) from one that is no signature of anybody's (malformed, or refused by ERC-1271).
            // The third value (which malformation) is not needed: every malformed signature is the same refusal.
            // slither-disable-next-line unused-return
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
            if (err == ECDSA.RecoverError.NoError) revert ResidentMinterClaimRequestWrongSigner(recipient, signer);
            revert ResidentMinterClaimRequestInvalidSignature(recipient);
        }
        uint256 claimed = _claimed[request.campaignId][recipient];
        if (claimed != request.nonce) revert ResidentMinterClaimRequestReplayed(recipient, request.nonce, claimed);
        return _claimOpen(recipient, request.campaignId, request.quantity, proof, request.allowPrice, request.allowMax);
    }

    /// @inheritdoc IResidentMinter
    function claimWithVoucher(Voucher calldata voucher, bytes calldata signature)
        external
        payable
        nonReentrant
        returns (uint256 tokenId)
    {
        uint256 campaignId = voucher.campaignId;
        Stored memory c = _open(campaignId);
        if (c.flags & _VOUCHER != _VOUCHER) revert ResidentMinterNotVoucherCampaign(campaignId);
        if (block.timestamp > voucher.deadline) revert ResidentMinterVoucherExpired(voucher.deadline, block.timestamp);
        bytes32 digest = voucherDigest(voucher);
        // A malformed signature reverts in OpenZeppelin's ECDSA with its own named error.
        address recovered = ECDSA.recover(digest, signature);
        if (!hasRole(VOUCHER_SIGNER_ROLE, recovered)) revert ResidentMinterVoucherSignerNotAuthorised(recovered);

        bytes32 nullifier = voucher.nullifier;
        bytes32 key = nullifier == 0 ? digest : nullifier;
        bytes32 usedBy = _redeemed[key];
        if (usedBy == digest) revert ResidentMinterVoucherReplayed(digest);
        if (usedBy != 0 || (nullifier != 0 && _usedByPredecessor(nullifier))) {
            revert ResidentMinterNullifierUsed(nullifier);
        }
        _redeemed[key] = digest;
        _count(campaignId, c, voucher.recipient, 1, c.maxPerWallet);
        uint256 price = voucher.price;
        if (msg.value < price) revert ResidentMinterWrongPayment(price, msg.value);
        tokenId = card.issue(voucher.recipient, voucher.tier, voucher.expiresAt);
        emit Claimed(campaignId, voucher.recipient, tokenId, 1, price, key);
        _refund(msg.value - price);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentMinter
    function voucherDigest(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    VOUCHER_TYPEHASH,
                    voucher.recipient,
                    voucher.campaignId,
                    voucher.tier,
                    voucher.expiresAt,
                    voucher.nullifier,
                    voucher.price,
                    voucher.deadline
                )
            )
        );
    }

    /// @inheritdoc IResidentMinter
    function claimRequestDigest(ClaimRequest calldata request) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CLAIM_REQUEST_TYPEHASH,
                    request.recipient,
                    request.campaignId,
                    request.quantity,
                    request.allowPrice,
                    request.allowMax,
                    request.nonce,
                    request.deadline
                )
            )
        );
    }

    /// @inheritdoc IResidentMinter
    function campaign(uint256 campaignId) external view returns (Campaign memory settings, uint256 claimed, bool closed) {
        Stored memory c = _existing(campaignId);
        return (_unpack(campaignId, c), c.claimed, c.flags & _CLOSED != 0);
    }

    /// @inheritdoc IResidentMinter
    function campaignCount() external view returns (uint256) {
        return _campaignCount;
    }

    /// @inheritdoc IResidentMinter
    function activeCampaignIds() external view returns (uint256[] memory ids) {
        uint256 count = _campaignCount;
        uint256 found = 0;
        for (uint256 id = 1; id <= count; ++id) {
            if (_accepting(_campaigns[id])) ++found;
        }
        ids = new uint256[](found);
        found = 0;
        for (uint256 id = 1; id <= count; ++id) {
            if (_accepting(_campaigns[id])) ids[found++] = id;
        }
    }

    /// @inheritdoc IResidentMinter
    function remaining(uint256 campaignId) external view returns (uint256) {
        Stored memory c = _existing(campaignId);
        if (c.flags & _CLOSED != 0) return 0;
        return uint256(c.supply) - c.claimed;
    }

    /// @inheritdoc IResidentMinter
    function claimedBy(uint256 campaignId, address wallet) external view returns (uint256) {
        return _claimed[campaignId][wallet];
    }

    /// @inheritdoc IResidentMinter
    function nullifierUsed(bytes32 nullifier) external view returns (bool) {
        return _redeemed[nullifier] != 0 || _usedByPredecessor(nullifier);
    }

    // ------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------

    /// @dev An open or allowlist claim of `quantity` cards for `to`, paid by the sender.
    function _claimOpen(
        address to,
        uint256 campaignId,
        uint256 quantity,
        bytes32[] calldata proof,
        uint256 allowPrice,
        uint256 allowMax
    ) private returns (uint256 firstTokenId) {
        Stored memory c = _open(campaignId);
        if (c.flags & _VOUCHER != 0) revert ResidentMinterVoucherRequired(campaignId);
        if (quantity == 0) revert ResidentMinterInvalidQuantity(0);
        uint256 price = c.price;
        uint256 limit = c.maxPerWallet;
        if (c.flags & _ALLOWLIST != 0) {
            // OpenZeppelin StandardMerkleTree leaf of (address, uint256, uint256): hashed twice.
            bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(to, allowPrice, allowMax))));
            if (!MerkleProof.verifyCalldata(proof, _allowlistRoots[campaignId], leaf)) {
                revert ResidentMinterInvalidProof(campaignId, to);
            }
            if (allowPrice != CAMPAIGN_PRICE) price = allowPrice;
            if (allowMax != 0) limit = allowMax;
        }
        _count(campaignId, c, to, quantity, limit);
        uint256 cost = price * quantity;
        if (msg.value < cost) revert ResidentMinterWrongPayment(cost, msg.value);
        firstTokenId = _issue(to, quantity, c.tier, _expiry(c));
        emit Claimed(campaignId, to, firstTokenId, quantity, cost, 0);
        _refund(msg.value - cost);
    }

    /// @dev Whether campaign `c` accepts claims now (and has a card left).
    function _accepting(Stored memory c) private view returns (bool) {
        if (c.flags & (_PAUSED | _CLOSED) != 0) return false;
        return block.timestamp >= c.start && block.timestamp < c.end && c.claimed < c.supply;
    }

    /// @dev Returns campaign `campaignId` if it accepts claims now, else reverts with the reason.
    function _open(uint256 campaignId) private view returns (Stored memory c) {
        c = _existing(campaignId);
        if (c.flags & _CLOSED != 0) revert ResidentMinterCampaignClosed(campaignId);
        if (c.flags & _PAUSED != 0) revert ResidentMinterCampaignPaused(campaignId);
        if (block.timestamp >= c.end) revert ResidentMinterCampaignEnded(campaignId, c.end, block.timestamp);
        if (block.timestamp < c.start) revert ResidentMinterCampaignNotStarted(campaignId, c.start, block.timestamp);
    }

    /// @dev Returns campaign `campaignId`, reverting if it was never created.
    function _existing(uint256 campaignId) private view returns (Stored memory c) {
        c = _campaigns[campaignId];
        // Every created campaign has an end in the future of its creation, so never 0.
        if (c.end == 0) revert ResidentMinterUnknownCampaign(campaignId);
    }

    /// @dev Returns campaign `campaignId`, reverting if it does not exist or is closed.
    function _notClosed(uint256 campaignId) private view returns (Stored memory c) {
        c = _existing(campaignId);
        if (c.flags & _CLOSED != 0) revert ResidentMinterCampaignClosed(campaignId);
    }

    /// @dev Counts `quantity` cards for `wallet` against the campaign's supply and the wallet's `limit`.
    function _count(uint256 campaignId, Stored memory c, address wallet, uint256 quantity, uint256 limit) private {
        uint256 left = uint256(c.supply) - c.claimed;
        if (quantity > left) revert ResidentMinterSoldOut(campaignId, quantity, left);
        uint256 walletClaimed = _claimed[campaignId][wallet] + quantity;
        if (walletClaimed > limit) revert ResidentMinterWalletLimitExceeded(wallet, walletClaimed, limit);
        _claimed[campaignId][wallet] = walletClaimed;
        // Cannot overflow: quantity <= left.
        _campaigns[campaignId].claimed = uint24(uint256(c.claimed) + quantity);
    }

    /// @dev Issues `quantity` cards to `to`: `issue` for one (it asks a contract wallet to accept),
    /// `issueBatch` for several (one call, no receiver callback: the wallet asked for them itself).
    function _issue(address to, uint256 quantity, uint256 tier, uint256 expiresAt)
        private
        returns (uint256 firstTokenId)
    {
        if (quantity == 1) return card.issue(to, tier, expiresAt);
        address[] memory receivers = new address[](quantity);
        for (uint256 i; i < quantity; ++i) {
            receivers[i] = to;
        }
        return card.issueBatch(receivers, tier, expiresAt);
    }

    /// @dev The expiry of a card claimed now in campaign `c`.
    function _expiry(Stored memory c) private view returns (uint256) {
        if (c.flags & _FIXED_EXPIRY != 0) return c.validity;
        if (c.validity != 0) return block.timestamp + c.validity;
        return 0; // never expires
    }

    /// @dev Sends back what the caller paid above the price. Last: every effect is done.
    function _refund(uint256 excess) private {
        if (excess != 0) Address.sendValue(payable(msg.sender), excess);
    }

    function _usedByPredecessor(bytes32 nullifier) private view returns (bool) {
        return address(predecessor) != address(0) && predecessor.nullifierUsed(nullifier);
    }

    /// @dev Validates `s` and packs it, keeping `claimed`.
    function _pack(Campaign calldata s, uint256 claimed) private view returns (Stored memory c) {
        if (s.start >= s.end || s.end <= block.timestamp || s.end > type(uint32).max) {
            revert ResidentMinterInvalidWindow(s.start, s.end);
        }
        if (s.price > type(uint80).max) revert ResidentMinterInvalidPrice(s.price);
        if (s.supply == 0 || s.supply > type(uint24).max || s.supply < claimed) {
            revert ResidentMinterInvalidSupply(s.supply, claimed);
        }
        if (s.maxPerWallet == 0 || s.maxPerWallet > type(uint16).max) {
            revert ResidentMinterInvalidWalletLimit(s.maxPerWallet);
        }
        uint256 maxTier = card.maxTier();
        if (s.tier > maxTier) revert ResidentMinterInvalidTier(s.tier, maxTier);
        if (
            (s.validFor != 0 && s.expiresAt != 0) || s.validFor > type(uint32).max
                || (s.expiresAt != 0 && (s.expiresAt <= s.end || s.expiresAt > type(uint32).max))
        ) revert ResidentMinterInvalidValidity(s.validFor, s.expiresAt);

        uint256 flags = (s.voucher ? _VOUCHER : 0) | (s.paused ? _PAUSED : 0)
            | (s.allowlistRoot != 0 ? _ALLOWLIST : 0) | (s.expiresAt != 0 ? _FIXED_EXPIRY : 0);
        c = Stored({
            start: uint32(s.start),
            end: uint32(s.end),
            price: uint80(s.price),
            supply: uint24(s.supply),
            claimed: uint24(claimed),
            maxPerWallet: uint16(s.maxPerWallet),
            tier: uint8(s.tier),
            flags: uint8(flags),
            validity: uint32(s.expiresAt != 0 ? s.expiresAt : s.validFor)
        });
    }

    /// @dev The settings of campaign `campaignId` as given (root included).
    function _unpack(uint256 campaignId, Stored memory c) private view returns (Campaign memory s) {
        bool fixedExpiry = c.flags & _FIXED_EXPIRY != 0;
        s = Campaign({
            start: c.start,
            end: c.end,
            price: c.price,
            supply: c.supply,
            maxPerWallet: c.maxPerWallet,
            tier: c.tier,
            validFor: fixedExpiry ? 0 : c.validity,
            expiresAt: fixedExpiry ? c.validity : 0,
            allowlistRoot: _allowlistRoots[campaignId],
            voucher: c.flags & _VOUCHER != 0,
            paused: c.flags & _PAUSED != 0
        });
    }
}
