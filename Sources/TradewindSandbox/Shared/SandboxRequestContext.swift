import Hummingbird
import NIOCore

/// The request context of the sandbox: Hummingbird's core storage plus the connection, which the
/// `lost_response` and `timeout` faults close without answering.
public struct SandboxRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Channel requests can be large (bulk mutates); 32 MB is above any channel's own limit.
    public var maxUploadSize: Int { 32 * 1024 * 1024 }
}
