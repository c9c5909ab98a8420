namespace CodeAssist.Inference;

/// <summary>
/// The backend cannot answer right now (a team server is down, refuses the key, is overloaded). Not a bug: the
/// engine answers empty, the status shows <see cref="Exception.Message"/>, and the next request tries again.
/// </summary>
public class InferenceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
