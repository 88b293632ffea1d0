"""Who a person is: identity assertions verified, and the one nullifier scheme for a person."""
