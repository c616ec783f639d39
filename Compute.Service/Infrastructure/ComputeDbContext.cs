using Microsoft.EntityFrameworkCore;

namespace Compute.Service.Infrastructure;

public sealed class ComputeDbContext(DbContextOptions<ComputeDbContext> options) : DbContext(options)
{
}
