"""Python side of the MOR compute marketplace: constants mirroring the contracts,
EIP-712 signing of approvals and receipts, deployment, and the reputation ranking."""
