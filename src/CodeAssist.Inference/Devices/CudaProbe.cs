namespace CodeAssist.Inference.Devices;

/// <summary>Answers "would CUDA work for this model, and if not, exactly why" without keeping anything loaded.</summary>
public static class CudaProbe
{
    public static bool IsCudaBuild => ModelLoader.IsCudaBuild;

    public static (bool Available, string Reason) Check(string modelPath)
    {
        GenAiRuntime.EnsureInitialized();
        var (model, failure) = ModelLoader.TryLoadCuda(modelPath, null);
        if (model is null)
            return (false, failure);
        model.Dispose();
        return (true, "the CUDA execution provider loaded");
    }
}
