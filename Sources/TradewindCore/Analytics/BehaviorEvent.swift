import Foundation

/// One event as the behavioural analyses (funnels, retention, paths) read it: who, what, when.
///
/// `person` is the stitched identity (the contact id once an identify event linked the anonymous
/// id, else the anonymous id); `name` is the step name the analysis matches, such as
/// `page_view:/pricing`, `touchpoint:meta` or `conversion`.
public struct BehaviorEvent: Sendable, Hashable {
    public var person: String
    public var name: String
    public var time: Date
    /// Properties a breakdown can group by (`channel`, `country`, `campaign_id`, ...).
    public var properties: [String: String]

    public init(person: String, name: String, time: Date, properties: [String: String] = [:]) {
        self.person = person
        self.name = name
        self.time = time
        self.properties = properties
    }
}
