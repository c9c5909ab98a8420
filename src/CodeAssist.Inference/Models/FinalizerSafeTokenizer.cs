using Microsoft.ML.OnnxRuntimeGenAI;

namespace CodeAssist.Inference.Models;

/// <summary>
/// GenAI's <see cref="Tokenizer"/>, safe when its constructor fails. In GenAI 0.18 a <c>new Tokenizer(model)</c> that
/// throws (a tokenizer.json the runtime cannot read, such as DeepSeek-Coder's pre-tokenizer) leaves a half-made object
/// whose finalizer destroys a null native handle, which ends the process at the next garbage collection, long after
/// the error was reported and handled (measured: the test host crashed at a random later test). An object whose
/// constructor did not finish here skips that destroy; a constructed one disposes and finalizes as GenAI's own.
/// (GenAI's Model and Config survive a failed constructor: their destroy accepts a null handle.)
/// </summary>
public sealed class FinalizerSafeTokenizer : Tokenizer
{
    private readonly bool _constructed;

    public FinalizerSafeTokenizer(Model model)
        : base(model)
    {
        // Set in the body, not by an initializer: initializers run before the base constructor, which is what throws.
        _constructed = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (_constructed)
        {
            base.Dispose(disposing);
        }
    }
}
