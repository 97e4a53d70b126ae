# Builds the BillHolder server image. The schema scripts in sql/ travel inside it and are applied at start-up.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BillHolder.sln ./
COPY src/ src/
COPY sql/ sql/
RUN dotnet publish src/BillHolder.Server/BillHolder.Server.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "BillHolder.Server.dll"]
