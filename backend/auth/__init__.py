"""Who is asking: holders (wallet sign-in), staff (password + role per municipality), sessions for both
and for venue accounts, and the shared secret hashing they all use."""
