extension Certificate {
    /// Whether this is an audit certificate: the timeStamping extended key usage and not clientAuth
    /// (which nodes' certificates carry). Its key signs nexd's checkpoints and nexd's own `expire`
    /// messages, and nothing a node would send (D61).
    public var hasAuditPurpose: Bool {
        let usage = extendedKeyUsage
        return usage?.contains(.timeStamping) == true && usage?.contains(.clientAuth) != true
    }
}
