import Foundation

/// The one file an agent's state lives in (`state.json`): the agent's own state and its outbox,
/// replaced together atomically, so a crash never keeps one without the other (a hit counted but
/// not queued, or queued twice).
///
/// `{"agent": <the agent's state, or null>, "outbox": [<pending notices>]}`
public enum AgentSavedState {
    public static let fileName = "state.json"

    /// What the file holds.
    public struct Contents {
        /// The agent's state as its `encodedState()` wrote it.
        public var agent: Data?
        public var outbox: [PendingNotice]
    }

    /// The file in `directory`, read, or nil when there is none.
    public static func read(directory: String) throws -> Contents? {
        try read(from: AgentStateFile(directory: directory, name: fileName))
    }

    static func read(from file: AgentStateFile) throws -> Contents? {
        let data: Data?
        do {
            data = try file.read()
        } catch {
            throw AgentStateError("cannot read \(file.path): \(error)")
        }
        guard let data else { return nil }
        let shape = "\(file.path) is not an agent state file of this version (a JSON object with \"agent\", an object or null, and \"outbox\", an array): move it away to start afresh"
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let agentValue = object["agent"], agentValue is NSNull || agentValue is [String: Any],
              let outboxValue = object["outbox"] as? [Any] else {
            throw AgentStateError(shape)
        }
        do {
            let agent = try (agentValue as? [String: Any]).map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            let outbox = try JSONDecoder().decode([PendingNotice].self, from: JSONSerialization.data(withJSONObject: outboxValue))
            return Contents(agent: agent, outbox: outbox)
        } catch {
            throw AgentStateError("\(shape) (\(error))")
        }
    }

    static func write(agent: Data?, outbox: [PendingNotice], to file: AgentStateFile) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Data(#"{"agent":"#.utf8)
        bytes.append(agent ?? Data("null".utf8))
        bytes.append(Data(#","outbox":"#.utf8))
        bytes.append(try encoder.encode(outbox))
        bytes.append(Data("}\n".utf8))
        try file.write(bytes)
    }
}
