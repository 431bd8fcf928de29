/**
 * @fileoverview csynth.xml texts shaped like Vivado HLS 2020.1 and Vitis HLS 2023.2 reports,
 * written by the tests (not copied from any project), for the parser and `fastml report` tests.
 */

export function vivadoTop(o: { lat: number; ii: number; dsp: number; lut: number; ff: number; bram: number }): string {
  // Resources listed in a different order than Vivado writes them, and the perf block after area.
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by a test, shaped like Vivado HLS 2020.1 -->
<profile>
  <ReportVersion><Version>2020.1</Version></ReportVersion>
  <UserAssignments>
    <unit>ns</unit><ProductFamily>virtexuplus</ProductFamily>
    <Part>xcvu9p-flga2104-2L-e</Part>
    <TopModelName>myproject</TopModelName>
    <TargetClockPeriod>5.00</TargetClockPeriod>
  </UserAssignments>
  <AreaEstimates>
    <AvailableResources><URAM>960</URAM><LUT>1182240</LUT><FF>2364480</FF><DSP48E>6840</DSP48E><BRAM_18K>4320</BRAM_18K></AvailableResources>
    <Resources><LUT>${o.lut}</LUT><URAM>0</URAM><FF>${o.ff}</FF><BRAM_18K>${o.bram}</BRAM_18K><DSP48E>${o.dsp}</DSP48E></Resources>
  </AreaEstimates>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>4.353</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency>
      <unit>clock cycles</unit>
      <Interval-max>${o.ii}</Interval-max><Interval-min>${o.ii}</Interval-min>
      <Worst-caseLatency>${o.lat + 1}</Worst-caseLatency><Best-caseLatency>${o.lat}</Best-caseLatency>
      <Average-caseLatency>${o.lat}</Average-caseLatency>
    </SummaryOfOverallLatency>
  </PerformanceEstimates>
</profile>
`;
}

export function vivadoModule(name: string, lat: number, dsp: number): string {
  return `<profile><ReportVersion><Version>2020.1</Version></ReportVersion>
<UserAssignments><Part>xcvu9p-flga2104-2L-e</Part><TopModelName>${name}</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod></UserAssignments>
<PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>${lat}</Best-caseLatency><Worst-caseLatency>${lat}</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
<AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP48E>${dsp}</DSP48E><FF>100</FF><LUT>200</LUT><URAM>0</URAM></Resources></AreaEstimates></profile>`;
}

export function vitisTop(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2023.2</Version></ReportVersion>
  <UserAssignments><Part>xcu250-figd2104-2L-e</Part><TopModelName>myproject</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>1.35</ClockUncertainty></UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>3.781</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>1923</Best-caseLatency><Average-caseLatency>1924</Average-caseLatency><Worst-caseLatency>1925</Worst-caseLatency><Interval-min>1923</Interval-min><Interval-max>1925</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>1</BRAM_18K><DSP>5</DSP><FF>10011</FF><LUT>15198</LUT><URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>5376</BRAM_18K><DSP>12288</DSP><FF>3456000</FF><LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
  </AreaEstimates>
  <ModuleInformation>
    <Module><Name>relu_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_relu_config4_s</Name><ModuleHierarchy>myproject/relu</ModuleHierarchy>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>0</Best-caseLatency><Worst-caseLatency>0</Worst-caseLatency><Interval-min>1</Interval-min><Interval-max>1</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><LUT>96</LUT><FF>0</FF><DSP>0</DSP><BRAM_18K>0</BRAM_18K><URAM>0</URAM></Resources></AreaEstimates></Module>
    <Module><Name>dense_resource_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_config5_s</Name>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>961</Best-caseLatency><Worst-caseLatency>962</Worst-caseLatency><Interval-min>961</Interval-min><Interval-max>962</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>3</DSP><FF>5000</FF><LUT>7000</LUT><URAM>0</URAM></Resources></AreaEstimates></Module>
    <Module><Name>dense_resource_ap_fixed_8_3_5_3_0_ap_fixed_8_3_5_3_0_config2_s</Name>
      <PerformanceEstimates><SummaryOfOverallLatency><Best-caseLatency>961</Best-caseLatency><Worst-caseLatency>962</Worst-caseLatency><Interval-min>961</Interval-min><Interval-max>962</Interval-max></SummaryOfOverallLatency></PerformanceEstimates>
      <AreaEstimates><Resources><BRAM_18K>0</BRAM_18K><DSP>2</DSP><FF>4000</FF><LUT>6000</LUT><URAM>0</URAM></Resources></AreaEstimates></Module>
  </ModuleInformation>
</profile>
`;
}

