using Mlctl.Cli;

return await MlctlApp.RunAsync(args, MlctlEnvironment.FromProcess());
