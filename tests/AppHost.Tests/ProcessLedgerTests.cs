using AppHost.Orchestration;
using AppHost.Resources;
using TestSupport;

namespace AppHost.Tests;

public sealed class ProcessLedgerTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("apphost-ledger-").FullName;

    [Fact]
    public void A_second_AppHost_on_the_same_data_folder_is_refused_with_the_first_ones_pid()
    {
        using var first = ProcessLedger.Open(_data);
        var error = Assert.Throws<InvalidOperationException>(() => ProcessLedger.Open(_data));
        Assert.Contains(Environment.ProcessId.ToString(), error.Message);
        Assert.Contains(_data, error.Message);
    }

    [Fact]
    public void The_data_folder_is_free_again_once_the_AppHost_is_gone()
    {
        ProcessLedger.Open(_data).Dispose();
        using var again = ProcessLedger.Open(_data);
    }

    [Fact]
    public async Task Processes_left_by_a_killed_AppHost_are_stopped_by_the_next_one()
    {
        using var log = new ProcessLog("sleeper", null, echoToConsole: false);
        var sleeper = ManagedProcess.Start(new ProcessSpec("/bin/sleep", ["300"]), log);
        var ledger = ProcessLedger.Open(_data);
        ledger.Record(sleeper.Pid);
        ledger.Dispose(); // the AppHost dies without stopping its children

        using var next = ProcessLedger.Open(_data);
        Assert.Equal(1, next.KillLeftovers());

        Assert.True(await sleeper.WaitForGroupExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(ProcessTable.LiveProcessesInGroups([sleeper.Pid]));
    }

    [Fact]
    public async Task A_process_that_only_reuses_a_recorded_id_is_left_alone()
    {
        using var log = new ProcessLog("sleeper", null, echoToConsole: false);
        var sleeper = ManagedProcess.Start(new ProcessSpec("/bin/sleep", ["300"]), log);
        try
        {
            // Same id, another start time: not the process the earlier AppHost started.
            await File.WriteAllTextAsync(Path.Combine(_data, "apphost.processes"), $"{sleeper.Pid} {Posix.StartTime(sleeper.Pid) + 1}\n");
            using var ledger = ProcessLedger.Open(_data);

            Assert.Equal(0, ledger.KillLeftovers());
            Assert.True(ProcessTable.IsAlive(sleeper.Pid));
        }
        finally
        {
            await sleeper.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
