import CityGridPlatform
import ConsoleService

await ServiceMain.run(ConsoleService.descriptor)
