namespace CodeAssist.Training;
internal static class Exporter { public static void Export(TrainingPaths paths, string output) => throw new NotImplementedException(); }
internal static class EvalSetWriter { public static void Write(TrainingPaths paths, int examples) => throw new NotImplementedException(); }
internal static class NGramBaseline { public static void Evaluate(TrainingPaths paths, string set, string json) => throw new NotImplementedException(); }
