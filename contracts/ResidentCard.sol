// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "solady/tokens/ERC721.sol";
import {LibString} from "solady/utils/LibString.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC5192} from "./interfaces/IERC5192.sol";
import {IERC4906} from "./interfaces/IERC4906.sol";
import {IResidentCard} from "./interfaces/IResidentCard.sol";

/// @title ResidentCard: one municipality's digital resident cards
/// @notice ERC-721 cards that a municipality issues to its digital residents,
/// soulbound (ERC-5192) or tradable, with a resident number, a tier and a
/// validity period each. No personal data is stored.
/// @dev The ERC-721 core is Solady's, chosen for its 96 bits of per-token
/// "extra data" beside the owner: the card's data rides in the owner slot, so
/// issuing writes the two fresh slots every ERC-721 mint writes and no third.
///
/// Card data layout (uint96 extra data):
///   bits  0..31  expiresAt   (unix seconds, 0 = never; fits until 2106)
///   bits 32..63  issuedAt
///   bits 64..70  tier        (0 = basic, 1 = premium, ... up to 127)
///   bit  71      locked      (ERC-5192)
///   bits 72..95  residentNumber (1 .. 16,777,215)
///
/// Solady keeps extra data when a token is burnt; the code never reads the
/// data of a card without checking that it exists.
///
/// Every transfer and burn passes through {_beforeTokenTransfer}: that is
/// where the lock, the pause and the wallet cap are enforced for them. Issuing
/// enforces the same rules on its own path, once per call rather than per card.
contract ResidentCard is ERC721, AccessControl, ERC2981, IERC5192, IERC4906, IResidentCard {
    using LibString for uint256;

    /// @notice Role that issues, revokes, re-issues and updates cards.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Role that pauses and unpauses the collection.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Tier of a card anyone can get.
    uint256 public constant TIER_BASIC = 0;
    /// @notice Tier of a card for residents who meet the programme's activity rules.
    uint256 public constant TIER_PREMIUM = 1;

    bytes4 private constant _INTERFACE_ID_ERC5192 = 0xb45a3c0e;
    bytes4 private constant _INTERFACE_ID_ERC4906 = 0x49064906;

    uint256 private constant _MAX_RESIDENT_NUMBER = type(uint24).max;
    uint256 private constant _MAX_TOKEN_ID = type(uint32).max;
    uint256 private constant _MAX_TIME = type(uint32).max;
    uint256 private constant _MAX_TIER_LIMIT = 127;
    uint256 private constant _MAX_WALLET_CAP = type(uint16).max;

    uint256 private constant _ISSUED_SHIFT = 32;
    uint256 private constant _TIER_SHIFT = 64;
    uint256 private constant _LOCKED_BIT = 1 << 71;
    uint256 private constant _NUMBER_SHIFT = 72;
    uint256 private constant _TIME_MASK = 0xffffffff;
    uint256 private constant _TIER_MASK = 0x7f;

    /// @dev Collection-wide state, packed in one slot: one cold read and one
    /// write per issuing call, whatever the number of cards.
    struct State {
        uint32 lastTokenId;
        uint24 lastResidentNumber;
        uint32 burned;
        uint16 maxCardsPerWallet;
        uint8 maxTier;
        bool soulbound;
        bool paused;
    }

    /// @notice Deployment settings of a collection.
    struct Config {
        string name; // ERC-721 name, e.g. "Mine City Digital Resident"
        string symbol;
        string municipalityNameJa;
        string municipalityNameEn;
        bool soulbound; // default transfer policy of new cards
        uint256 maxCardsPerWallet; // 1 .. 65535
        string baseURI;
        address admin; // the municipality: admin, issuer and pauser at first
        address royaltyReceiver; // ERC-2981 receiver (the municipality's treasury)
        uint96 royaltyBasisPoints; // out of 10000
    }

    State private _state;
    string private _name;
    string private _symbol;
    string private _baseTokenURI;
    string private _municipalityNameJa;
    string private _municipalityNameEn;
    /// @dev The minter holds ISSUER_ROLE, or this is zero ({setMinter}, {_revokeRole}).
    address private _minter;

    /// @param config The collection's settings; see {Config}.
    /// @dev Reverts with {ResidentCardInvalidAdmin}, {ResidentCardInvalidWalletCap}
    /// or OpenZeppelin's `ERC2981InvalidDefaultRoyalty` (above 100%) on bad settings.
    constructor(Config memory config) {
        if (config.admin == address(0)) revert ResidentCardInvalidAdmin(address(0));
        _checkWalletCap(config.maxCardsPerWallet);
        _name = config.name;
        _symbol = config.symbol;
        _municipalityNameJa = config.municipalityNameJa;
        _municipalityNameEn = config.municipalityNameEn;
        _baseTokenURI = config.baseURI;
        _state = State({
            lastTokenId: 0,
            lastResidentNumber: 0,
            burned: 0,
            maxCardsPerWallet: uint16(config.maxCardsPerWallet),
            maxTier: uint8(TIER_PREMIUM),
            soulbound: config.soulbound,
            paused: false
        });
        _grantRole(DEFAULT_ADMIN_ROLE, config.admin);
        _grantRole(ISSUER_ROLE, config.admin);
        _grantRole(PAUSER_ROLE, config.admin);
        _setDefaultRoyalty(config.royaltyReceiver, config.royaltyBasisPoints);
        emit RoyaltyChanged(config.royaltyReceiver, config.royaltyBasisPoints);
    }

    // ------------------------------------------------------------------
    // Issuing
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentCard
    function issue(address to, uint256 tier, uint256 expiresAt)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 tokenId)
    {
        State memory s = _state;
        tokenId = _issueOne(s, to, tier, expiresAt, s.soulbound);
    }

    /// @inheritdoc IResidentCard
    function issueWithPolicy(address to, uint256 tier, uint256 expiresAt, bool isLocked)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 tokenId)
    {
        tokenId = _issueOne(_state, to, tier, expiresAt, isLocked);
    }

    /// @inheritdoc IResidentCard
    function issueBatch(address[] calldata to, uint256 tier, uint256 expiresAt)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 firstTokenId)
    {
        State memory s = _state;
        _requireNotPaused(s);
        uint256 count = to.length;
        if (count == 0) revert ResidentCardEmptyBatch();
        uint256 firstNumber = uint256(s.lastResidentNumber) + 1;
        firstTokenId = uint256(s.lastTokenId) + 1;
        _reserve(s, count);
        bool isLocked = s.soulbound;
        // Every card of the batch shares tier, dates and lock; only the
        // resident number differs, added per card.
        uint256 data = _cardData(s, firstNumber, tier, block.timestamp, expiresAt, isLocked);
        uint256 cap = s.maxCardsPerWallet;
        uint256 tokenId = firstTokenId;
        for (uint256 i; i < count;) {
            _mintCard(to[i], tokenId, data, cap);
            // Inline rather than _emitLockStatus: the call costs 26 gas per card here.
            if (isLocked) emit Locked(tokenId);
            else emit Unlocked(tokenId);
            unchecked {
                ++i;
                ++tokenId;
                data += 1 << _NUMBER_SHIFT; // next resident number; cannot overflow, see _reserve
            }
        }
        _saveCounters(s);
        emit CardsIssued(firstTokenId, count, firstNumber, tier, expiresAt, isLocked);
    }

    /// @dev Issues one card with a new resident number and checks a contract receiver.
    function _issueOne(State memory s, address to, uint256 tier, uint256 expiresAt, bool isLocked)
        private
        returns (uint256 tokenId)
    {
        _requireNotPaused(s);
        uint256 number = uint256(s.lastResidentNumber) + 1;
        tokenId = uint256(s.lastTokenId) + 1;
        _reserve(s, 1);
        uint256 data = _cardData(s, number, tier, block.timestamp, expiresAt, isLocked);
        _saveCounters(s);
        _mintCard(to, tokenId, data, s.maxCardsPerWallet);
        _emitLockStatus(tokenId, isLocked);
        emit CardsIssued(tokenId, 1, number, tier, expiresAt, isLocked);
        // Last, so a re-entering receiver finds every effect done and logged.
        ERC721Utils.checkOnERC721Received(msg.sender, address(0), to, tokenId, "");
    }

    /// @dev Takes `count` token ids and resident numbers from `s` (in memory).
    function _reserve(State memory s, uint256 count) private pure {
        uint256 lastNumber = uint256(s.lastResidentNumber) + count;
        if (lastNumber > _MAX_RESIDENT_NUMBER) revert ResidentCardNumbersExhausted(_MAX_RESIDENT_NUMBER);
        uint256 lastId = uint256(s.lastTokenId) + count;
        if (lastId > _MAX_TOKEN_ID) revert ResidentCardNumbersExhausted(_MAX_TOKEN_ID);
        s.lastResidentNumber = uint24(lastNumber);
        s.lastTokenId = uint32(lastId);
    }

    /// @dev Writes back only what issuing changes: one store to the state slot
    /// instead of one per field.
    function _saveCounters(State memory s) private {
        State storage stored = _state;
        (stored.lastTokenId, stored.lastResidentNumber) = (s.lastTokenId, s.lastResidentNumber);
    }

    /// @dev Mints `tokenId` with its packed data to `to`, within the wallet cap.
    function _mintCard(address to, uint256 tokenId, uint256 data, uint256 cap) private {
        if (to == address(0)) revert IERC721Errors.ERC721InvalidReceiver(address(0));
        _mintAndSetExtraDataUnchecked(to, tokenId, uint96(data));
        // The mint left the balance slot warm: checking afterwards costs no cold read.
        uint256 balance = balanceOf(to);
        if (balance > cap) revert ResidentCardWalletCapExceeded(to, balance, cap);
    }

    /// @dev Packs card data, validating tier and expiry against the collection.
    function _cardData(
        State memory s,
        uint256 number,
        uint256 tier,
        uint256 issuedAt,
        uint256 expiresAt,
        bool isLocked
    ) private view returns (uint256) {
        _checkTier(s, tier);
        _checkExpiry(expiresAt);
        return (number << _NUMBER_SHIFT) | (isLocked ? _LOCKED_BIT : 0) | (tier << _TIER_SHIFT)
            | ((issuedAt & _TIME_MASK) << _ISSUED_SHIFT) | expiresAt;
    }

    // ------------------------------------------------------------------
    // Revoking, opting out, re-issuing
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentCard
    function revoke(uint256 tokenId) external onlyRole(ISSUER_ROLE) {
        address holder = _requireOwned(tokenId);
        uint256 number = uint256(_getExtraData(tokenId)) >> _NUMBER_SHIFT;
        _burnCard(tokenId);
        emit CardRevoked(tokenId, number, holder, msg.sender);
    }

    /// @inheritdoc IResidentCard
    function optOut(uint256 tokenId) external {
        address holder = _requireOwned(tokenId);
        if (holder != msg.sender) revert ResidentCardNotAuthorized(msg.sender, tokenId, holder);
        uint256 number = uint256(_getExtraData(tokenId)) >> _NUMBER_SHIFT;
        _burnCard(tokenId);
        emit CardOptedOut(tokenId, number, holder);
    }

    /// @inheritdoc IResidentCard
    function reissue(uint256 oldTokenId, address to) external onlyRole(ISSUER_ROLE) returns (uint256 newTokenId) {
        address previousHolder = _requireOwned(oldTokenId);
        if (to == address(0)) revert IERC721Errors.ERC721InvalidReceiver(address(0));
        uint256 held = balanceOf(to);
        if (held != 0) revert ResidentCardReceiverHoldsCard(to, held);
        uint256 data = _getExtraData(oldTokenId);
        _burnCard(oldTokenId);

        State memory s = _state;
        newTokenId = uint256(s.lastTokenId) + 1;
        if (newTokenId > _MAX_TOKEN_ID) revert ResidentCardNumbersExhausted(_MAX_TOKEN_ID);
        s.lastTokenId = uint32(newTokenId);
        _saveCounters(s);
        _mintCard(to, newTokenId, data, s.maxCardsPerWallet);
        bool isLocked = data & _LOCKED_BIT != 0;
        _emitLockStatus(newTokenId, isLocked);
        emit CardReissued(oldTokenId, newTokenId, data >> _NUMBER_SHIFT, previousHolder, to);
        ERC721Utils.checkOnERC721Received(msg.sender, address(0), to, newTokenId, "");
    }

    /// @dev Burns `tokenId` (the pause is enforced in {_beforeTokenTransfer}) and counts it.
    function _burnCard(uint256 tokenId) private {
        _burn(tokenId);
        unchecked {
            _state.burned += 1; // at most one burn per token id ever minted
        }
    }

    // ------------------------------------------------------------------
    // Card data updates
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentCard
    function setTier(uint256 tokenId, uint256 tier) external onlyRole(ISSUER_ROLE) {
        State memory s = _state;
        _requireNotPaused(s);
        _requireOwned(tokenId);
        _checkTier(s, tier);
        uint256 data = _getExtraData(tokenId);
        uint256 previous = (data >> _TIER_SHIFT) & _TIER_MASK;
        _setExtraData(tokenId, uint96((data & ~(_TIER_MASK << _TIER_SHIFT)) | (tier << _TIER_SHIFT)));
        emit TierChanged(tokenId, previous, tier);
        emit MetadataUpdate(tokenId);
    }

    /// @inheritdoc IResidentCard
    function setExpiry(uint256 tokenId, uint256 expiresAt) external onlyRole(ISSUER_ROLE) {
        _requireNotPaused(_state);
        _requireOwned(tokenId);
        _checkExpiry(expiresAt);
        uint256 data = _getExtraData(tokenId);
        uint256 previous = data & _TIME_MASK;
        _setExtraData(tokenId, uint96((data & ~_TIME_MASK) | expiresAt));
        emit ExpiryChanged(tokenId, previous, expiresAt);
        emit MetadataUpdate(tokenId);
    }

    /// @inheritdoc IResidentCard
    function setLocked(uint256 tokenId, bool isLocked) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireNotPaused(_state);
        _requireOwned(tokenId);
        uint256 data = _getExtraData(tokenId);
        if ((data & _LOCKED_BIT != 0) == isLocked) return;
        _setExtraData(tokenId, uint96(data ^ _LOCKED_BIT));
        // A locked card must not keep an approval it could no longer honour.
        if (isLocked) _approve(address(0), tokenId);
        _emitLockStatus(tokenId, isLocked);
        emit MetadataUpdate(tokenId);
    }

    // ------------------------------------------------------------------
    // Collection administration
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentCard
    function setBaseURI(string calldata baseURI) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _baseTokenURI = baseURI;
        emit BaseURIChanged(baseURI);
        emit BatchMetadataUpdate(1, type(uint256).max);
    }

    /// @inheritdoc IResidentCard
    function setMaxCardsPerWallet(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkWalletCap(cap);
        uint256 previous = _state.maxCardsPerWallet;
        _state.maxCardsPerWallet = uint16(cap);
        emit WalletCapChanged(previous, cap);
    }

    /// @inheritdoc IResidentCard
    function setMaxTier(uint256 newMaxTier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newMaxTier > _MAX_TIER_LIMIT) revert ResidentCardInvalidMaxTier(newMaxTier);
        uint256 previous = _state.maxTier;
        _state.maxTier = uint8(newMaxTier);
        emit MaxTierChanged(previous, newMaxTier);
    }

    /// @inheritdoc IResidentCard
    function setDefaultRoyalty(address receiver, uint96 feeBasisPoints) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDefaultRoyalty(receiver, feeBasisPoints);
        emit RoyaltyChanged(receiver, feeBasisPoints);
    }

    /// @inheritdoc IResidentCard
    function setMinter(address newMinter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address previous = _minter;
        if (newMinter == previous) return; // a set minter holds ISSUER_ROLE: nothing to do
        // Set before revoking, so that {_revokeRole} no longer sees the previous one as the minter and
        // does not announce a minter of zero in between.
        _minter = newMinter;
        if (previous != address(0)) _revokeRole(ISSUER_ROLE, previous);
        if (newMinter != address(0)) _grantRole(ISSUER_ROLE, newMinter);
        emit MinterChanged(previous, newMinter);
    }

    /// @dev A minter that loses ISSUER_ROLE (revokeRole, renounceRole) stops being the minter, so that
    /// {minter} never names an account that cannot issue.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == ISSUER_ROLE && account == _minter) {
            _minter = address(0);
            emit MinterChanged(account, address(0));
        }
    }

    /// @inheritdoc IResidentCard
    function pause() external onlyRole(PAUSER_ROLE) {
        _requireNotPaused(_state);
        _state.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IResidentCard
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_state.paused) revert ResidentCardNotPaused();
        _state.paused = false;
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------

    /// @inheritdoc IResidentCard
    function cardOf(uint256 tokenId) external view returns (Card memory card) {
        _requireOwned(tokenId);
        uint256 data = _getExtraData(tokenId);
        card.residentNumber = data >> _NUMBER_SHIFT;
        card.tier = (data >> _TIER_SHIFT) & _TIER_MASK;
        card.locked = data & _LOCKED_BIT != 0;
        card.issuedAt = (data >> _ISSUED_SHIFT) & _TIME_MASK;
        card.expiresAt = data & _TIME_MASK;
    }

    /// @inheritdoc IResidentCard
    function isValid(uint256 tokenId) external view returns (bool) {
        if (_ownerOf(tokenId) == address(0)) return false;
        uint256 expiresAt = _getExtraData(tokenId) & _TIME_MASK;
        return expiresAt == 0 || block.timestamp < expiresAt;
    }

    /// @notice Whether `tokenId` is locked (soulbound). Reverts if the card does not exist.
    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _requireOwned(tokenId);
        return _getExtraData(tokenId) & _LOCKED_BIT != 0;
    }

    /// @inheritdoc IResidentCard
    function totalSupply() external view returns (uint256) {
        State memory s = _state;
        return uint256(s.lastTokenId) - s.burned;
    }

    /// @inheritdoc IResidentCard
    function residentCount() external view returns (uint256) {
        return _state.lastResidentNumber;
    }

    /// @inheritdoc IResidentCard
    function minter() external view returns (address) {
        return _minter;
    }

    /// @inheritdoc IResidentCard
    function soulbound() external view returns (bool) {
        return _state.soulbound;
    }

    /// @inheritdoc IResidentCard
    function maxCardsPerWallet() external view returns (uint256) {
        return _state.maxCardsPerWallet;
    }

    /// @inheritdoc IResidentCard
    function maxTier() external view returns (uint256) {
        return _state.maxTier;
    }

    /// @inheritdoc IResidentCard
    function paused() external view returns (bool) {
        return _state.paused;
    }

    /// @inheritdoc IResidentCard
    function municipalityNameJa() external view returns (string memory) {
        return _municipalityNameJa;
    }

    /// @inheritdoc IResidentCard
    function municipalityNameEn() external view returns (string memory) {
        return _municipalityNameEn;
    }

    /// @notice The collection's ERC-721 name.
    function name() public view override returns (string memory) {
        return _name;
    }

    /// @notice The collection's ERC-721 symbol.
    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @notice The metadata URI of `tokenId`: the base URI followed by the id.
    /// Reverts if the card does not exist.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        string memory base = _baseTokenURI;
        return bytes(base).length == 0 ? "" : string.concat(base, tokenId.toString());
    }

    /// @notice The holder of `tokenId`. Reverts with {ResidentCardNonexistent} if there is none.
    function ownerOf(uint256 tokenId) public view override returns (address) {
        return _requireOwned(tokenId);
    }

    /// @notice ERC-165: ERC-721, its metadata extension, ERC-5192, ERC-4906,
    /// ERC-2981, AccessControl and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControl, ERC2981)
        returns (bool)
    {
        return interfaceId == _INTERFACE_ID_ERC5192 || interfaceId == _INTERFACE_ID_ERC4906
            || ERC721.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId)
            || ERC2981.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------
    // Transfers and approvals
    // ------------------------------------------------------------------

    /// @notice Approves `account` to transfer `tokenId`. Locked cards cannot be approved.
    /// @dev Reverts with {ResidentCardNativeTokenRefused} (any value sent), {ResidentCardLocked},
    /// {ResidentCardNonexistent} or {ResidentCardNotAuthorized} (caller neither holder nor operator).
    /// Kept payable, as Solady's is, so that the refusal has a name: a nonpayable override would revert
    /// with no data before this code runs.
    function approve(address account, uint256 tokenId) public payable override {
        _refuseNativeTokens();
        address holder = _requireOwned(tokenId);
        if (_getExtraData(tokenId) & _LOCKED_BIT != 0) revert ResidentCardLocked(tokenId);
        if (msg.sender != holder && !isApprovedForAll(holder, msg.sender)) {
            revert ResidentCardNotAuthorized(msg.sender, tokenId, holder);
        }
        super.approve(account, tokenId);
    }

    /// @notice Transfers `tokenId` from `from` to `to`.
    /// @dev Reverts with {ResidentCardNativeTokenRefused} when sent any value, ERC-6093's
    /// `ERC721InvalidReceiver(address(0))` for the zero address (burning has its own functions),
    /// and as {_beforeTokenTransfer} says. Both safeTransferFrom pass through here.
    function transferFrom(address from, address to, uint256 tokenId) public payable override {
        _refuseNativeTokens();
        if (to == address(0)) revert IERC721Errors.ERC721InvalidReceiver(address(0));
        super.transferFrom(from, to, tokenId);
    }

    /// @notice Transfers `tokenId` and, if `to` is a contract, asks it to accept the card.
    function safeTransferFrom(address from, address to, uint256 tokenId) public payable override {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, "");
    }

    /// @notice Transfers `tokenId` and, if `to` is a contract, asks it to accept the card with `data`.
    /// @dev Reverts with ERC-6093's `ERC721InvalidReceiver(to)` if the contract refuses.
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes calldata data)
        public
        payable
        override
    {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    /// @dev The one place where transfer rules live. Mints return at once:
    /// the issuing functions check them once per call.
    function _beforeTokenTransfer(address from, address to, uint256 tokenId) internal view override {
        if (from == address(0)) return;
        State memory s = _state;
        _requireNotPaused(s);
        if (to == address(0)) return; // burns (revoke, opt out, re-issue): transferFrom refuses address(0)
        address holder = _requireOwned(tokenId);
        if (holder != from) revert ResidentCardIncorrectHolder(from, tokenId, holder);
        if (_getExtraData(tokenId) & _LOCKED_BIT != 0) revert ResidentCardLocked(tokenId);
        if (!_isApprovedOrOwner(msg.sender, tokenId)) revert ResidentCardNotAuthorized(msg.sender, tokenId, holder);
        uint256 balance = balanceOf(to);
        if (balance >= s.maxCardsPerWallet) {
            revert ResidentCardWalletCapExceeded(to, balance + 1, s.maxCardsPerWallet);
        }
    }

    // ------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------

    /// @dev The card contract never holds money: it has no way to send any back out.
    function _refuseNativeTokens() private view {
        if (msg.value != 0) revert ResidentCardNativeTokenRefused(msg.value);
    }

    /// @dev Returns the holder of `tokenId`, reverting if it does not exist.
    function _requireOwned(uint256 tokenId) private view returns (address holder) {
        holder = _ownerOf(tokenId);
        if (holder == address(0)) revert ResidentCardNonexistent(tokenId);
    }

    function _requireNotPaused(State memory s) private pure {
        if (s.paused) revert ResidentCardPaused();
    }

    function _checkTier(State memory s, uint256 tier) private pure {
        if (tier > s.maxTier) revert ResidentCardInvalidTier(tier, s.maxTier);
    }

    function _checkExpiry(uint256 expiresAt) private view {
        if (expiresAt == 0) return;
        if (expiresAt <= block.timestamp) revert ResidentCardExpiryInPast(expiresAt, block.timestamp);
        if (expiresAt > _MAX_TIME) revert ResidentCardExpiryTooLate(expiresAt, _MAX_TIME);
    }

    function _checkWalletCap(uint256 cap) private pure {
        if (cap == 0 || cap > _MAX_WALLET_CAP) revert ResidentCardInvalidWalletCap(cap);
    }

    function _emitLockStatus(uint256 tokenId, bool isLocked) private {
        if (isLocked) emit Locked(tokenId);
        else emit Unlocked(tokenId);
    }
}
